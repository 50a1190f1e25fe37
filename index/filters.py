"""Which passages a question may use: an as-of date, a date range, a set of sources.

One filter object is translated both into a Chroma `where` clause (dense search) and into a
boolean mask over the keyword index (BM25), so both searches see exactly the same
passages. A filter that matches nothing yields nothing — never everything. Articles without
a publication date are excluded whenever a date bound is set, since nobody can tell whether
they were published before it.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

from newsqa.errors import FilterError
from newsqa.index.dates import to_iso_date


def day_number(iso: str | None) -> int | None:
    """'2022-01-28' → 20220128: an integer Chroma can compare with $lte/$gte."""
    return int(iso.replace("-", "")) if iso else None


def source_key(source: str | None) -> str:
    return (source or "").strip().lower()


@dataclass(frozen=True)
class PassageFilter:
    as_of: str | None = None  # ISO date: nothing published after it
    since: str | None = None
    until: str | None = None
    sources: tuple[str, ...] = ()
    # Not a filter: the day "today" is for a question without an as-of date, set when the
    # index follows feeds (it is live, so "latest" means latest by the clock).
    today: str | None = None

    @classmethod
    def build(cls, *, as_of=None, since=None, until=None, sources=()) -> "PassageFilter":
        def iso(value, name):
            if value in (None, ""):
                return None
            if isinstance(value, date):
                return value.isoformat()
            parsed = to_iso_date(value)
            if parsed is None:
                raise FilterError(f"{name}: cannot read '{value}' as a date; use YYYY-MM-DD")
            return parsed

        return cls(as_of=iso(as_of, "as-of"), since=iso(since, "since"), until=iso(until, "until"),
                   sources=tuple(sorted({source_key(s) for s in sources or () if s and s.strip()})))

    @property
    def latest_day(self) -> int | None:
        bounds = [day_number(d) for d in (self.as_of, self.until) if d]
        return min(bounds) if bounds else None

    @property
    def recency_day(self) -> int | None:
        """The day "latest", "this week", "today" count back from, if known."""
        return self.latest_day or day_number(self.today)

    @property
    def earliest_day(self) -> int | None:
        return day_number(self.since)

    def admits(self, published: str | None, source: str | None) -> bool:
        """Whether an article with this date and source passes, as a search would decide."""
        day = day_number(published[:10]) if published else None
        if (self.latest_day or self.earliest_day) and day is None:
            return False
        if self.latest_day is not None and day > self.latest_day:
            return False
        if self.earliest_day is not None and day < self.earliest_day:
            return False
        return not self.sources or source_key(source) in self.sources

    @property
    def active(self) -> bool:
        return bool(self.latest_day or self.earliest_day or self.sources)

    def chroma_where(self) -> dict | None:
        clauses = []
        if self.latest_day is not None:
            clauses.append({"published_day": {"$lte": self.latest_day}})
        if self.earliest_day is not None:
            clauses.append({"published_day": {"$gte": self.earliest_day}})
        if self.sources:
            clauses.append({"source_key": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def mask(self, days: np.ndarray, sources: np.ndarray) -> np.ndarray:
        """Boolean mask over passages given their day numbers (0 = undated) and source keys."""
        keep = np.ones(len(days), dtype=bool)
        if self.latest_day is not None:
            keep &= (days > 0) & (days <= self.latest_day)
        if self.earliest_day is not None:
            keep &= days >= self.earliest_day
        if self.sources:
            keep &= np.isin(sources, list(self.sources))
        return keep
