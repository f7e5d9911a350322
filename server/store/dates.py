"""Dates as XL Deploy shows and stores them: ISO-8601 in UTC with milliseconds, 2016-09-27T07:42:58.212+0000.

Stored dates are such strings, so that they sort as they compare. Every date a client sends is read here."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..errors import BadRequest

_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def format_date(moment: datetime) -> str:
    """XL Deploy's date format, always in UTC: 2016-09-27T07:42:58.212+0000."""
    moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds")[:23] + "+0000"


def now_iso() -> str:
    return format_date(datetime.now(timezone.utc))


def is_day(text) -> bool:
    """Whether the text is a bare date (yyyy-MM-dd)."""
    return bool(_DAY.fullmatch(str(text).strip()))


def parse(text) -> datetime:
    """An ISO-8601 date or date-time as a moment: a zone as Z, +hh:mm or +hhmm, UTC when there is none; a bare date
    is its midnight. ValueError when the text is neither."""
    fixed = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", str(text).strip().replace("Z", "+00:00"))
    moment = datetime.fromisoformat(fixed)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def parse_date(text, what: str) -> str:
    """A date sent by a client (ISO-8601, with or without zone; UTC assumed) in the stored form; BadRequest naming
    `what` when it is not one."""
    try:
        return format_date(parse(text))
    except ValueError:
        raise BadRequest(f"{what}: '{str(text).strip()}' is not an ISO-8601 date.") from None


def period_bound(text, end: bool = False) -> datetime:
    """One end of a period given as a date or a date-time: a bare date is the start of that day (UTC) or, as the
    `end`, the start of the next day, so that the day is included; a date-time is that moment. ValueError when the
    text is neither."""
    moment = parse(text)
    return moment + timedelta(days=1) if end and is_day(text) else moment


def day_bound(text: str | None, what: str, end: bool = False) -> str | None:
    """A query parameter bounding a period (see `period_bound`) in the stored form; None when not given."""
    if not text:
        return None
    try:
        return format_date(period_bound(text, end))
    except ValueError:
        raise BadRequest(f"Query parameter '{what}' must be a date like 2024-01-31, not '{text.strip()}'.") from None
