"""Java date patterns (SimpleDateFormat and Joda's DateTimeFormat share them): format a naive
date-time and parse text back to its fields.

Letters: y M d H h k K m s S E a Z X z, quoted text in '...'; counts follow Java (MMM = Jan,
MMMM = January, EEE = Mon, EEEE = Monday, yy = two-digit year, SSS = milliseconds).
"""

from __future__ import annotations

import datetime as _dt
import re

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def tokens(pattern: str):
    """('text', literal) and ('field', letters) tokens of a Java pattern."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            j = pattern.find("'", i + 1)
            if j == i + 1:  # '' is a quote
                out.append(("text", "'"))
                i += 2
                continue
            j = n if j < 0 else j
            out.append(("text", pattern[i + 1:j]))
            i = j + 1
        elif c.isalpha():
            j = i
            while j < n and pattern[j] == c:
                j += 1
            out.append(("field", pattern[i:j]))
            i = j
        else:
            out.append(("text", c))
            i += 1
    return out


def _offset_text(offset_millis, letters):
    if offset_millis is None:
        return ""
    if offset_millis == 0 and letters.startswith("X"):
        return "Z"
    sign = "+" if offset_millis >= 0 else "-"
    minutes = abs(offset_millis) // 60000
    hh, mm = divmod(minutes, 60)
    if letters in ("ZZ", "XXX") or letters.startswith("ZZ"):
        return f"{sign}{hh:02d}:{mm:02d}"
    return f"{sign}{hh:02d}{mm:02d}"


def format_fields(moment: _dt.datetime, pattern: str, offset_millis=None, zone_name="") -> str:
    """`moment` (naive, in the zone meant) in Java `pattern`."""
    out = []
    for kind, value in tokens(pattern):
        if kind == "text":
            out.append(value)
            continue
        letter, count = value[0], len(value)
        if letter in "yY":
            out.append(f"{moment.year % 100:02d}" if count == 2 else f"{moment.year:0{count}d}")
        elif letter == "M":
            if count >= 4:
                out.append(_MONTHS[moment.month - 1])
            elif count == 3:
                out.append(_MONTHS[moment.month - 1][:3])
            else:
                out.append(f"{moment.month:0{count}d}")
        elif letter == "d":
            out.append(f"{moment.day:0{count}d}")
        elif letter == "D":
            out.append(f"{moment.timetuple().tm_yday:0{count}d}")
        elif letter == "H":
            out.append(f"{moment.hour:0{count}d}")
        elif letter == "k":
            out.append(f"{moment.hour or 24:0{count}d}")
        elif letter == "K":
            out.append(f"{moment.hour % 12:0{count}d}")
        elif letter == "h":
            out.append(f"{(moment.hour % 12) or 12:0{count}d}")
        elif letter == "m":
            out.append(f"{moment.minute:0{count}d}")
        elif letter == "s":
            out.append(f"{moment.second:0{count}d}")
        elif letter == "S":
            millis = f"{moment.microsecond // 1000:03d}"
            out.append(millis[:count] if count <= 3 else millis + "0" * (count - 3))
        elif letter == "E":
            name = _DAYS[moment.weekday()]
            out.append(name if count >= 4 else name[:3])
        elif letter == "e":
            out.append(str(moment.isoweekday()))
        elif letter == "a":
            out.append("PM" if moment.hour >= 12 else "AM")
        elif letter in "ZX":
            out.append(_offset_text(offset_millis, value))
        elif letter == "z":
            out.append(zone_name)
        elif letter == "G":
            out.append("AD")
        else:
            out.append(value)
    return "".join(out)


def _field_regex(letters: str) -> str:
    letter, count = letters[0], len(letters)
    if letter == "M" and count >= 3:
        return r"(?P<MMM>[A-Za-z]+)"
    if letter == "E":
        return r"[A-Za-z]+"
    if letter == "a":
        return r"(?P<a>[AaPp][Mm])"
    if letter in "ZX":
        return r"(?P<Z>Z|[+-]\d\d:?\d\d)"
    if letter == "z":
        return r"[A-Za-z_/+\-0-9]+"
    group = {"y": "y", "Y": "y", "M": "M", "d": "d", "D": "D", "H": "H", "k": "H", "K": "h", "h": "h", "m": "m",
             "s": "s", "S": "S"}.get(letter)
    if group is None:
        return re.escape(letters)
    digits = r"\d{%d}" % count if count > 1 and letter != "y" else r"\d+"
    if letter == "y" and count == 2:
        digits = r"\d{2}"
    return f"(?P<{group}>{digits})"


def parse_fields(text: str, pattern: str):
    """(naive datetime, offset millis or None) for `text` in Java `pattern`; ValueError when it
    does not match."""
    regex = "".join(re.escape(v) if k == "text" else _field_regex(v) for k, v in tokens(pattern))
    match = re.fullmatch(regex, text.strip())
    if match is None:
        raise ValueError(f'Unparseable date: "{text}" (pattern {pattern})')
    g = match.groupdict()
    year = int(g.get("y") or 1970)
    if g.get("y") and len(g["y"]) == 2:
        year += 2000 if year < 80 else 1900
    if g.get("MMM"):
        name = g["MMM"][:3].lower()
        month = [m[:3].lower() for m in _MONTHS].index(name) + 1
    else:
        month = int(g.get("M") or 1)
    hour = int(g.get("H") or 0)
    if g.get("h"):
        hour = int(g["h"]) % 12 + (12 if (g.get("a") or "").upper() == "PM" else 0)
    moment = _dt.datetime(year, month, int(g.get("d") or 1), hour, int(g.get("m") or 0), int(g.get("s") or 0),
                          int((g.get("S") or "0").ljust(3, "0")[:3]) * 1000)
    if g.get("D"):
        moment = moment.replace(month=1, day=1) + _dt.timedelta(days=int(g["D"]) - 1)
    offset = None
    if g.get("Z"):
        offset = parse_offset(g["Z"])
    return moment, offset


def parse_offset(text: str) -> int:
    """Millis of an offset: Z, +02:00, +0200, -05."""
    if text in ("Z", "z"):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4] or 0)
    return sign * (hours * 60 + minutes) * 60000


_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?"
    r"\s*(?P<off>Z|[+-]\d{2}(?::?\d{2})?)?(?:\[[^\]]*\])?"
)


def parse_iso(text: str):
    """(naive datetime, offset millis or None) of an ISO-8601 date or date-time."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise ValueError(f'Invalid format: "{text}"')
    year, month, day = (int(x) for x in match.group("date").split("-"))
    frac = (match.group("frac") or "0").ljust(6, "0")[:6]
    moment = _dt.datetime(year, month, day, int(match.group("h") or 0), int(match.group("m") or 0),
                          int(match.group("s") or 0), int(frac))
    off = match.group("off")
    return moment, (parse_offset(off) if off else None)
