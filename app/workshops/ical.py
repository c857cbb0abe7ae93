"""iCalendar files (RFC 5545) for workshops: all-day events, written by hand.

Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character); text
values escape backslash, semicolon, comma and line breaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from app.timeutil import utcnow
from app.workshops.models import Workshop

PRODID = "-//Kommunen for future//Wissensbasis//DE"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into parts of at most 75 octets, continued with a space."""
    parts: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # the leading space counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _event(workshop: Workshop, url: str, host: str, now: datetime) -> list[str]:
    description = [workshop.date_note, workshop.agenda, url]
    location = ", ".join(part for part in (
        workshop.place, workshop.host.name if workshop.host else "") if part)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{workshop.slug}@{host}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART;VALUE=DATE:{workshop.date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{workshop.date + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(workshop.title)}",
        f"DESCRIPTION:{escape_text(chr(10).join(part for part in description if part))}",
        f"URL:{url}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if workshop.edited_at:
        lines.append(f"LAST-MODIFIED:{_stamp(workshop.edited_at)}")
    return [*lines, "TRANSP:TRANSPARENT", "END:VEVENT"]


def calendar(workshops: Iterable[tuple[Workshop, str]], host: str, name: str) -> str:
    """A VCALENDAR with one event per (workshop, its page URL)."""
    now = utcnow()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for workshop, url in workshops:
        lines.extend(_event(workshop, url, host, now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
