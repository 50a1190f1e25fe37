"""Questions that ask for the newest news ("latest", "this week", "yesterday").

Such phrasing makes the retriever favour recently published articles, counted back from
the question's as-of date (or from the newest candidate when there is none).
"""

import math
import re
from datetime import date

_RECENT = re.compile(
    r"\b(latest|most recent(ly)?|recent(ly)?|newest|this (week|month|weekend|year)|today|tonight"
    r"|yesterday|last (night|week|weekend)|currently|current|right now|so far|upcoming|just)\b",
    re.I,
)


def asks_for_recent(question: str) -> bool:
    return bool(_RECENT.search(question))


def _to_date(day: int) -> date | None:
    try:
        return date(day // 10000, day // 100 % 100, day % 100)
    except ValueError:
        return None


def age_in_days(day: int | None, reference_day: int | None) -> int | None:
    """Days from `day` back to `reference_day` (both YYYYMMDD), never negative; None if
    either is unknown."""
    published, reference = _to_date(day or 0), _to_date(reference_day or 0)
    if not published or not reference:
        return None
    return max((reference - published).days, 0)


def recency_weight(day: int, reference_day: int, half_life_days: float = 7.0) -> float:
    """1.0 for an article from the reference day, halving every `half_life_days` before it;
    0 for undated articles."""
    age = age_in_days(day, reference_day)
    return 0.0 if age is None else math.pow(0.5, age / half_life_days)
