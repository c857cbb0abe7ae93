"""Configuration: defaults, overridden by environment variables (see README)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path, overrides: dict) -> str:
    """Return SECRET_KEY from the environment, or a random key kept in the instance folder.

    The key is created once with owner-only permissions so that sessions survive restarts
    without a secret ever being committed.
    """
    if overrides.get("SECRET_KEY"):
        return overrides["SECRET_KEY"]
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def load_config(instance_path: Path, overrides: dict) -> dict:
    """Build the configuration mapping from defaults and environment variables."""
    database_url = os.environ.get(
        "DATABASE_URL", f"sqlite:///{instance_path / 'wissensbasis.sqlite3'}"
    )
    index_dir = Path(os.environ.get("SEARCH_INDEX_DIR", PROJECT_ROOT / "search_index"))
    if not index_dir.is_absolute():
        index_dir = PROJECT_ROOT / index_dir
    upload_dir = Path(os.environ.get("UPLOAD_DIR", instance_path / "uploads"))
    if not upload_dir.is_absolute():
        upload_dir = PROJECT_ROOT / upload_dir
    return {
        "SECRET_KEY": _secret_key(instance_path, overrides),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(index_dir),
        # Drain the search outbox in a background thread right after each commit.
        "SEARCH_SYNC": os.environ.get("SEARCH_SYNC", "thread"),
        # ... after waiting this long, so that edits close together share one index commit.
        "SEARCH_SYNC_DELAY_MS": _int_env("SEARCH_SYNC_DELAY_MS", 200),
        "PRACTICES_DIR": os.environ.get("PRACTICES_DIR", str(PROJECT_ROOT / "practices")),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "MAX_CONTENT_LENGTH": _int_env("MAX_CONTENT_LENGTH", 5 * 1024 * 1024),
        # Pictures and documents on entries (app/uploads/): outside static/, checked by content.
        "UPLOAD_DIR": str(upload_dir),
        "UPLOAD_MAX_BYTES": _int_env("UPLOAD_MAX_BYTES", 4 * 1024 * 1024),
        "UPLOAD_MAX_PIXELS": _int_env("UPLOAD_MAX_PIXELS", 40_000_000),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Inactivity timeout (the session is refreshed on each request) and absolute lifetime.
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=_int_env("SESSION_IDLE_MINUTES", 60)),
        "SESSION_ABSOLUTE_HOURS": _int_env("SESSION_ABSOLUTE_HOURS", 12),
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        # Outgoing mail (app/mail.py): SMTP when MAIL_SERVER is set, else written to the log.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int_env("MAIL_PORT", 0),  # 0: 465 with SSL, 587 with STARTTLS, else 25
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "0") == "1",
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Kommunen for future <wissensbasis@localhost>"),
        "MAIL_TIMEOUT": _int_env("MAIL_TIMEOUT", 10),
        # Production serving: proxies in front (X-Forwarded-*), log format, health limits.
        "PROXY_FIX_HOPS": _int_env("PROXY_FIX_HOPS", 0),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        "HEALTH_MAX_OUTBOX_LAG": _int_env("HEALTH_MAX_OUTBOX_LAG", 60),
        "PAGE_CACHE_SECONDS": _int_env("PAGE_CACHE_SECONDS", 5),  # anonymous pages; 0: off
        # an entry's page is checked against the entry's own version too (app/pagecache.py)
        "ENTRY_PAGE_CACHE_SECONDS": _int_env("ENTRY_PAGE_CACHE_SECONDS", 60),
    }
