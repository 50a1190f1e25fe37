"""Publication dates as ISO `YYYY-MM-DD` strings, whatever form the input used."""

from datetime import date, datetime

from dateutil import parser as date_parser


def to_iso_date(value: object) -> str | None:
    """'2022-01-28T14:00:29+00:00', 'Jan 28, 2022', '2022/01/28' → '2022-01-28'; junk → None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value).date().isoformat()
    try:
        return date_parser.parse(str(value).strip(), fuzzy=False).date().isoformat()
    except (ValueError, OverflowError, date_parser.ParserError):
        return None
