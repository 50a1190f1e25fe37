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


class RateLimiter:
    def __init__(self, per_minute: int, *, clock=time.monotonic):
        self.per_minute = per_minute
        self.burst = max(5, per_minute // 4)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        if not self.enabled:
            return 0.0
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate

    @staticmethod
    def retry_after(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
