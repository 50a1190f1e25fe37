"""Event dates: the calendar day a phrase like "on Friday" or "yesterday" means in an article.

News text dates events relative to the day it is published: "Macron spoke with Putin on
Friday" in an article of Friday, January 28, 2022 means that day. A "When …?" answer and a
story's timeline both need the calendar date, so the phrase is resolved against the
article's publication date.

`dateparser` (a well-kept parser of absolute and relative dates in many forms: "Jan. 28",
"two days ago", "last month", with a relative base and the period it resolved to) does the
parsing. Two news conventions are applied on top, because a library cannot know them:

- A bare weekday ("Friday", "on Friday", "late Friday", "Friday evening") in a past-tense
  report is the latest such day on or before publication: the same weekday is the
  publication day itself (dateparser would go back a week). In a future-tense sentence
  it is the next one on or after publication. "last Friday" is strictly before.
- A month and day without a year ("Jan. 28") takes the year that puts it nearest the
  publication date, on or before it for a past report ("Dec. 30" in a January article is
  last year's).

A phrase that fixes no single day ("last week", "in March", "2021") keeps the period it
names; a time alone ("evening", "9 p.m.") has no day of its own.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PERIODS = ("day", "week", "month", "year", "time")
_PARTS_OF_DAY = r"morning|afternoon|evening|night|overnight"
_WEEKDAY = re.compile(
    rf"^(?:(?:on|by|until|since|from|late|early|earlier|later|this|last|next|past)\s+)*"
    rf"({'|'.join(WEEKDAYS)})(?:['’]s)?(?:\s+(?:{_PARTS_OF_DAY}))?"
    r"(?:,?\s+(?:at\s+)?(?:about\s+|around\s+)?\d{1,2}(?::\d\d)?\s*(?:a\.?m\.?|p\.?m\.?)(?:\s+[A-Z]{2,4})?)?$",
    re.I)
_SAME_DAY = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0,
             "this evening": 0, "yesterday": -1, "last night": -1, "tomorrow": 1,
             "tomorrow night": 1, "yesterday morning": -1, "yesterday afternoon": -1,
             "yesterday evening": -1, "tomorrow morning": 1}
_TIME_ONLY = re.compile(rf"^(?:(?:in|on|at|by|late|early|the|this|that)\s+)*(?:{_PARTS_OF_DAY}"
                        r"|noon|midnight|dawn|dusk|\d{1,2}(?::\d\d)?\s*(?:a\.?m\.?|p\.?m\.?)"
                        r"(?:\s+\w{2,4})?)$", re.I)
_LEADING = re.compile(r"^(?:on|in|at|by|during|from|until|since|as of|the)\s+", re.I)
_FINAL_STOP = re.compile(r"(?<![.\s][a-zA-Z])\.$")  # "Friday." but not "9 p.m."
# Words that only blur a period: "earlier this month" is this month.
_BLUR = re.compile(r"^(?:(?:earlier|later|late|early|mid|the|end of|start of|beginning of)[\s-]+)+", re.I)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")


@dataclass(frozen=True)
class EventDate:
    """What a date phrase means, read against its article's publication date."""

    text: str  # the phrase as the article writes it
    day: date | None  # the calendar day, when the phrase fixes one
    period: str  # what it fixes: one of PERIODS
    published: date | None  # the article's publication date it was read against
    around: date | None = None  # a day inside the period (week, month, year) it names

    @property
    def iso(self) -> str | None:
        return self.day.isoformat() if self.day else None

    def display(self) -> str:
        """"Friday, January 28, 2022"; "January 2022"; else the phrase and its article's date."""
        if self.day is not None:
            return f"{self.day:%A}, {self.day:%B} {self.day.day}, {self.day.year}"
        if self.period == "month" and self.around and self._names_it():
            return f"{self.around:%B %Y}"
        if self.period == "year" and self.around and self._names_it():
            return str(self.around.year)
        if self.published is None:
            return self.text
        return f"{self.text} (in an article of {self.published:%B} {self.published.day}, {self.published.year})"

    def _names_it(self) -> bool:
        """The phrase itself names the month or year ("March 2021"), not "last month"."""
        return bool(_YEAR.search(self.text)) or not re.search(
            r"\b(?:last|next|this|past|previous|coming|ago|earlier|later)\b", self.text, re.I)


def as_date(value: object) -> date | None:
    """A publication date from metadata: a date, a datetime or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _weekday(name: str, modifiers: str, published: date, future: bool | None) -> date:
    """A weekday is reported in the past unless the sentence says otherwise."""
    target = WEEKDAYS.index(name.lower())
    words = set(modifiers.lower().split())
    if "last" in words or "past" in words:
        back = (published.weekday() - target) % 7 or 7
        return published - timedelta(days=back)
    if "next" in words or (future is True and not words & {"since", "earlier"}):
        return published + timedelta(days=(target - published.weekday()) % 7
                                      or (7 if "next" in words else 0))
    return published - timedelta(days=(published.weekday() - target) % 7)


def _date_data(text: str, base: datetime, future: bool):
    from dateparser.date import DateDataParser  # about 50 ms to import; only dates need it

    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "future" if future else "past",
        "PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}).get_date_data(text)


def _absolute(text: str, base: datetime, data) -> bool:
    """The phrase names its date outright ("January 28, 2022"), it is not read from a base
    day ("Friday", "two days ago", "Jan. 28" without its year)."""
    if "year" not in set(data.parts or ()):
        return False
    earlier = _date_data(text, base.replace(year=base.year - 3), False).date_obj
    return earlier is not None and earlier.date() == data.date_obj.date()


def _nearest_year(day: date, published: date, future: bool | None) -> date:
    """The same month and day in the year nearest `published` (on or before it for a past
    report, on or after for a future one)."""
    options = []
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            options.append(day.replace(year=year))
        except ValueError:  # February 29
            continue
    if future is False:
        options = [d for d in options if d <= published] or options
    elif future:
        options = [d for d in options if d >= published] or options
    return min(options, key=lambda d: abs((d - published).days))


@lru_cache(maxsize=4096)
def resolve(text: str, published: date | None, future: bool | None = None) -> EventDate | None:
    """The event date `text` names in an article published on `published`, or None when
    `text` is not a date at all.

    `future`: True when the sentence speaks of what will happen ("will meet on Friday"),
    False when it reports what happened, None when that is not known.
    """
    phrase = _FINAL_STOP.sub("", " ".join(text.split()).strip(" ,;:"))
    bare = _LEADING.sub("", phrase)
    if not bare:
        return None
    lowered = bare.lower()
    if published is not None:
        if lowered in _SAME_DAY:
            return EventDate(phrase, published + timedelta(days=_SAME_DAY[lowered]), "day", published)
        found = _WEEKDAY.match(phrase)
        if found:
            modifiers = phrase[:found.start(1)]
            return EventDate(phrase, _weekday(found.group(1), modifiers, published, future),
                             "day", published)
    if _TIME_ONLY.match(phrase):
        return EventDate(phrase, None, "time", published)
    base = datetime.combine(published or date.today(), datetime.min.time()).replace(hour=12)
    try:
        data = _date_data(bare, base, bool(future))
        if data.date_obj is None and _BLUR.match(bare):
            data = _date_data(_BLUR.sub("", bare), base, bool(future))
            if data.date_obj is not None and data.period == "day":
                return None  # "late Jan. 28" is odd; "mid-January" is a month
    except (ValueError, OverflowError):
        return None
    if data is None or data.date_obj is None:
        return None
    if published is None and not _absolute(bare, base, data):
        return EventDate(phrase, None, "day" if data.period in (None, "time") else data.period, None)
    found, parts = data.date_obj.date(), set(data.parts or ())
    # dateparser's "time" period is a day with an hour ("two hours ago", "Jan. 28 at 9 p.m.")
    period = "day" if data.period in (None, "time") else data.period
    if period not in PERIODS:
        period = "day"
    if published is not None and "year" not in parts and period in ("day", "month") \
            and parts & {"day", "month"}:
        found = _nearest_year(found, published, future)
    if period == "day":
        return EventDate(phrase, found, "day", published)
    return EventDate(phrase, None, period, published, around=found)


_MONTH_NAMES = (r"Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|"
                r"July?|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|"
                r"Dec(?:ember|\.)?")
# The phrases a sentence names a day with, as `resolve` reads them.
_DAY_PHRASE = re.compile(
    rf"\b(?:(?:last|this|next|late|early|on)\s+)?(?:{'|'.join(WEEKDAYS)})(?:\s+(?:{_PARTS_OF_DAY}))?\b"
    r"|\b(?:yesterday|today|tonight|last night|tomorrow)\b"
    rf"|\b(?:{_MONTH_NAMES})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?\b",
    re.I)


def day_in(sentence: str, published: date | None, future: bool | None = None) -> EventDate | None:
    """The first phrase of `sentence` that fixes a calendar day ("on Friday", "yesterday",
    "March 3"), read against the article's publication date; None when none does."""
    for found in _DAY_PHRASE.finditer(sentence):
        read = resolve(found.group(0), published, future)
        if read is not None and read.day is not None:
            return read
    return None
