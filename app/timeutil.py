"""Time helpers: the database stores naive UTC datetimes."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time in UTC without tzinfo, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)
