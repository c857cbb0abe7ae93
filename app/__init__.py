"""Application factory: reads like a table of contents."""

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import errors, logging_setup, pagecache, permissions, routing, search, security, uploads
from app.config import load_config
from app.extensions import babel, csrf, db, login_manager, migrate
from app.practices import writing


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL for concurrent readers, foreign keys enforced, a wait instead of 'locked'."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        _owner_only(dbapi_connection)


def _owner_only(connection: sqlite3.Connection) -> None:
    """The SQLite file (and its WAL files) readable by the owner only: it holds accounts."""
    for _number, _name, path in connection.execute("PRAGMA database_list"):
        for candidate in (path, f"{path}-wal", f"{path}-shm") if path else ():
            if Path(candidate).exists():
                Path(candidate).chmod(0o600)


def create_app(config: dict | None = None) -> Flask:
    """Create the Flask app; `config` overrides defaults and environment (used by tests)."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path), config or {}))
    app.config.update(config or {})

    logging_setup.init_app(app)
    _proxy_fix(app)
    _init_extensions(app)
    routing.init_app(app)  # before the blueprints: their <int:…> rules use it
    _register_blueprints(app)
    _register_cli(app)
    app.context_processor(permissions.template_globals)
    app.context_processor(writing.template_helpers)
    errors.init_app(app)
    security.init_app(app)
    search.init_app(app)
    uploads.init_app(app)
    pagecache.init_app(app)  # last: its hooks run after the request id and limits
    return app


def _proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from PROXY_FIX_HOPS reverse proxies (0: none)."""
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  - registers every model with the metadata
    from app.accounts.loader import init_login

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "de")
    _translations_once_per_request(app)
    login_manager.init_app(app)
    init_login(app)


def _translations_once_per_request(app: Flask) -> None:
    """The templates' gettext with the request's translations looked up once.

    Flask-Babel's own callables look up the domain, locale and catalogue for every
    message: with about 150 texts a page that was a fifth of the home page's time.
    """
    from flask import g
    from flask_babel import get_translations

    def translations():
        found = g.get("_kff_translations")
        if found is None:
            found = g._kff_translations = get_translations()
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.curation.views import bp as curation_bp
    from app.deciding.views import bp as deciding_bp
    from app.feeds.views import bp as feeds_bp
    from app.home.views import bp as home_bp
    from app.municipalities.views import bp as municipalities_bp
    from app.practices.editing import bp as editing_bp
    from app.practices.report_views import bp as reports_bp
    from app.practices.views import bp as practices_bp
    from app.search.views import bp as search_ui_bp
    from app.workshops.views import bp as workshops_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(deciding_bp)
    app.register_blueprint(editing_bp)  # before practices: /praxis/neu is not a slug
    app.register_blueprint(practices_bp)
    app.register_blueprint(curation_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(search_ui_bp)
    app.register_blueprint(municipalities_bp)
    app.register_blueprint(workshops_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(__import__("app.api", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("app.health", fromlist=["bp"]).bp)


def _register_cli(app: Flask) -> None:
    from app.accounts.cli import users_cli
    from app.backup.cli import backup_cli
    from app.cli import init_command
    from app.curation.cli import reminders_cli
    from app.practices.cli import practices_cli

    app.cli.add_command(init_command)
    app.cli.add_command(practices_cli)
    app.cli.add_command(__import__("app.search.cli", fromlist=["search_cli"]).search_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(reminders_cli)
