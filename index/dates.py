"""Publication dates as ISO `YYYY-MM-DD` strings, whatever form the input used.

dateutil fills parts a string does not give from *today* ("2022" would become 2022 plus
today's month and day), so every parse is checked for which parts were really there: a
missing year makes the date unusable, a missing day or month is taken as the first and said.
"""

import re
from datetime import date, datetime

from dateutil import parser as date_parser

# Two different "defaults": a part that differs between the two parses was not in the text.
_DEFAULT_A = datetime(2000, 1, 1)
_DEFAULT_B = datetime(2001, 2, 2)
_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\s*$")
_ISO_HINT = "write it as YYYY-MM-DD"


def parse_date(value: object) -> tuple[str | None, str | None]:
    """(ISO date or None, a note for the user or None).

    '2022-01-28T14:00:29+00:00', 'Jan 28th 2022', '28/01/2022' → ('2022-01-28', None);
    'yesterday', '2022-13-45' → (None, 'date … not understood …'); a missing value → (None, None).
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:  # a Unix timestamp
            return datetime.fromtimestamp(value).date().isoformat(), None
        except (ValueError, OverflowError, OSError):
            return None, f"date {value!r} is not a valid Unix timestamp; stored without a date"
    text = " ".join(str(value).split())
    if not text:
        return None, None
    try:
        a = date_parser.parse(text, default=_DEFAULT_A)
        b = date_parser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError, date_parser.ParserError):
        return None, f"date {text!r} not understood; stored without a date ({_ISO_HINT})"
    if a.year != b.year:
        return None, f"date {text!r} has no year; stored without a date ({_ISO_HINT})"
    found = date(a.year, a.month if a.month == b.month else 1, a.day if a.day == b.day else 1)
    note = None
    if a.month != b.month or a.day != b.day:
        note = f"date {text!r} has no day; stored as {found.isoformat()} ({_ISO_HINT})"
    elif (numeric := _NUMERIC.match(text)) and int(numeric[1]) <= 12 and int(numeric[2]) <= 12 \
            and numeric[1] != numeric[2]:
        note = (f"date {text!r} could be day/month or month/day; read as "
                f"{found.isoformat()} ({_ISO_HINT} to be sure)")
    return found.isoformat(), note


def to_iso_date(value: object) -> str | None:
    """'2022-01-28T14:00:29+00:00', 'Jan 28, 2022', '2022/01/28' → '2022-01-28'; junk → None."""
    return parse_date(value)[0]
