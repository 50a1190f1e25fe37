"""Requests per minute per login, for the program routes of a shared server.

One client looping over /api/ask or /v1/chat/completions would otherwise take every answer
slot from the others (the answer gate queues requests; it does not tell clients apart). A
token bucket per login: `per_minute` tokens refill evenly over a minute, up to a burst of a
quarter of that (at least 5), and a request without a token gets 429 with `Retry-After`
saying when the next one is due. Only with logins configured (`NEWSQA_AUTH`): a server
without them listens on loopback alone (newsqa/auth.py), where the only client is the user.
"""

import math
import threading
import time


_MAX_KEYS = 10_000


class RateLimiter:
    def __init__(self, per_minute: int, *, clock=time.monotonic, burst: int | None = None):
        self.per_minute = per_minute
        self.burst = burst or max(5, per_minute // 4)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, key: str, cost: int = 1) -> float:
        """0 when the request may go ahead (it then spends `cost` tokens), else the seconds
        until it may."""
        if not self.enabled:
            return 0.0
        rate = self.per_minute / 60.0
        now = self._clock()
        cost = min(float(cost), float(self.burst))  # a batch bigger than a burst waits, not never
        with self._lock:
            if len(self._buckets) > _MAX_KEYS:  # many names tried: forget the refilled ones
                self._buckets = {k: v for k, v in self._buckets.items()
                                 if self._tokens(k, now) < self.burst}
            tokens = self._tokens(key, now)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (cost - tokens) / rate

    def wait(self, key: str) -> float:
        """Like `take`, without spending: 0 while `key` has a token left."""
        if not self.enabled:
            return 0.0
        with self._lock:
            tokens = self._tokens(key, self._clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) * 60.0 / self.per_minute

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) * self.per_minute / 60.0)

    @staticmethod
    def retry_after(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
