"""GET /healthz: database, search index and outbox lag; 503 with a reason when one fails."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app import search
from app.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _checks() -> tuple[dict, str | None]:
    """The checks' results and the first failure's reason (None when all pass)."""
    results: dict = {}
    try:
        db.session.execute(text("SELECT 1"))
        results["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        db.session.rollback()
        return {"database": "fail"}, f"database: {type(error).__name__}"
    try:
        pending, age = search.index_lag()
        results["index"] = "ok"
    except Exception as error:  # noqa: BLE001
        return {**results, "index": "fail"}, f"index: {type(error).__name__}"
    results["outbox"] = {"pending": pending, "oldest_seconds": round(age, 1)}
    limit = current_app.config.get("HEALTH_MAX_OUTBOX_LAG", 60)
    if pending and age > limit:
        return results, f"outbox: {pending} changes waiting, oldest {age:.0f}s (limit {limit}s)"
    return results, None


@bp.get("/healthz")
def healthz():
    """200 {"status": "ok"} or 503 {"status": "fail", "reason": …}; never cached."""
    checks, reason = _checks()
    if reason:
        log.warning("health check failed: %s", reason)
    body = {"status": "fail" if reason else "ok", "checks": checks,
            **({"reason": reason} if reason else {})}
    response = jsonify(body)
    response.status_code = 503 if reason else 200
    response.headers["Cache-Control"] = "no-store"
    return response
