"""How old something is, the way a reader says it: "just now", "3 h ago", "yesterday".

For the age of a citation (from its article's publication date, or time when the feed gave
one) and of the index ("updated 5 min ago"). The reference is the clock, or the as-of date
of a question that has one: an answer "as of" a past day calls that day "today".
"""

import time
from datetime import date, datetime, timezone


def ago(seconds: float) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago' for a number of seconds."""
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return days_ago(int(seconds // 86400))


def days_ago(days: int) -> str:
    """'today', 'yesterday', '5 days ago', '3 months ago', '4 years ago'."""
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def until(seconds: float) -> str:
    """'now', 'in 5 min', 'in 3 h' for a time still to come."""
    if seconds <= 30:
        return "now"
    if seconds < 3570:  # (59.5 min and more read as "in 1 h")
        return f"in {max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"in {seconds / 3600:.0f} h"
    return f"in {seconds / 86400:.0f} days"


def published_age(published: str | None, *, now: float | None = None,
                  as_of: str | None = None) -> str | None:
    """The age of an article from its `published` value: an ISO date ('2026-12-01': 'today',
    'yesterday', '3 days ago') or date and time ('2026-12-01T09:30:00+00:00': '3 h ago')."""
    if not published:
        return None
    reference_day = _day(as_of) if as_of else None
    try:
        if "T" in published:
            moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            if reference_day is None:
                return ago((time.time() if now is None else now) - moment.timestamp())
            day = moment.date()
        else:
            day = date.fromisoformat(published[:10])
    except ValueError:
        return None
    reference = reference_day or date.fromtimestamp(time.time() if now is None else now)
    days = (reference - day).days
    if days < 0:
        return None  # published after the reference: no honest age to give
    return days_ago(days)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
