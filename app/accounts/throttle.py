"""Counting failed attempts per account and per IP address (SECURITY.md 1).

Counts live in the database (table `auth_failure`) so that all workers share them. Only
real failures are counted, never refused attempts, so a lock-out ends at most one window
after the last failure: nobody can be locked out for long.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, text

from app.accounts.models import AuthFailure
from app.extensions import db
from app.timeutil import utcnow


@dataclass(frozen=True)
class Limit:
    attempts: int  # failures allowed within the window; the next attempt is refused
    window: timedelta


LIMITS = {
    "account": Limit(5, timedelta(minutes=1)),  # the 6th failed sign-in per minute: 429
    "ip": Limit(30, timedelta(minutes=1)),
    "token-ip": Limit(10, timedelta(minutes=1)),  # wrong one-time links from one address
    # "Passwort vergessen?": every request counts, known address or not (no enumeration).
    "reset-account": Limit(3, timedelta(minutes=15)),
    "reset-ip": Limit(10, timedelta(minutes=15)),
}
RETENTION = timedelta(minutes=15)  # at least the longest window


def normalise_key(scope: str, key: str) -> str:
    return key.strip().lower()[:254] if scope.endswith("account") else key[:254]


def failure_count(scope: str, key: str) -> int:
    since = utcnow() - LIMITS[scope].window
    return db.session.scalar(
        select(func.count(AuthFailure.id)).where(
            AuthFailure.scope == scope, AuthFailure.key == normalise_key(scope, key),
            AuthFailure.created_at > since)
    ) or 0


def is_blocked(**keys: str | None) -> bool:
    """True when any given scope (account=..., ip=..., token_ip=..., reset_ip=...) is used up."""
    for name, key in keys.items():
        scope = name.replace("_", "-")
        if key and failure_count(scope, key) >= LIMITS[scope].attempts:
            return True
    return False


def record_failure(**keys: str | None) -> None:
    """Add one failure per given scope and prune expired rows (the caller commits)."""
    now = utcnow()
    db.session.execute(delete(AuthFailure).where(AuthFailure.created_at < now - RETENTION))
    for name, key in keys.items():
        scope = name.replace("_", "-")
        if key:
            db.session.add(AuthFailure(scope=scope, key=normalise_key(scope, key),
                                       created_at=now))


# Any constant: the advisory lock that serialises check-and-count on PostgreSQL.
_PG_LOCK_KEY = 7_201_006


def reserve_attempt(**keys: str | None) -> list[int] | None:
    """Count this attempt as a failure before it is checked, in one serialised step.

    The attempt's rows are written first and the counts read after them in the same
    transaction, under a write lock (SQLite: the INSERT itself; PostgreSQL: an advisory
    transaction lock), so simultaneous attempts cannot all see the old count. Returns the
    new rows' ids, to be released on success, or None (and nothing kept) when any scope is
    used up. Commits.
    """
    db.session.commit()  # a fresh transaction: its first statement takes the lock
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    now = utcnow()
    rows = [AuthFailure(scope=name.replace("_", "-"), key=normalise_key(
        name.replace("_", "-"), key), created_at=now) for name, key in keys.items() if key]
    db.session.add_all(rows)
    db.session.flush()
    blocked = any(failure_count(row.scope, row.key) > LIMITS[row.scope].attempts
                  for row in rows)
    if blocked:
        for row in rows:
            db.session.delete(row)
    else:
        db.session.execute(delete(AuthFailure).where(AuthFailure.created_at < now - RETENTION))
    ids = [row.id for row in rows]
    db.session.commit()
    return None if blocked else ids


def release_attempt(ids: list[int]) -> None:
    """The attempt succeeded: it no longer counts as a failure (the caller commits)."""
    db.session.execute(delete(AuthFailure).where(AuthFailure.id.in_(ids)))


def clear_failures(scope: str, key: str) -> None:
    """Forget an account's failures after a successful sign-in (the caller commits)."""
    db.session.execute(delete(AuthFailure).where(
        AuthFailure.scope == scope, AuthFailure.key == normalise_key(scope, key)))
