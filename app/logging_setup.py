"""Logs: one line per request (request id, user, route, status, duration and the CPU
time of the request's thread), text or JSON.

LOG_FORMAT=json writes every record of the `app` loggers as one JSON object per line
(for a log collector); the default is a human-readable line. Paths are logged as their
route (`/konto/passwort-setzen/<token>`), so one-time tokens never reach the logs.
"""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

REQUEST_LOGGER = "app.requests"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _request_fields() -> dict:
    if not has_request_context():
        return {}
    user = g.get("_login_user")  # only when the request loaded it: logging adds no query
    rule = request.url_rule
    return {"request_id": g.get("request_id"), "method": request.method,
            "route": rule.rule if rule else None, "endpoint": request.endpoint,
            "user_id": user.id if getattr(user, "is_authenticated", False) else None}


class JsonFormatter(logging.Formatter):
    """One JSON object per record; request fields added when there is a request."""

    def format(self, record: logging.LogRecord) -> str:
        data = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + "Z",
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage(), **_request_fields()}
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime


def _start_timer() -> None:
    g.request_started = time.perf_counter()
    g.request_cpu_started = time.thread_time()  # what the request cost, not its waiting


def _log_request(response):
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    cpu_started = g.get("request_cpu_started")
    cpu = round((time.thread_time() - cpu_started) * 1000, 1) if cpu_started else None
    fields = {**_request_fields(), "status": response.status_code, "duration_ms": duration,
              "cpu_ms": cpu, "cached": bool(g.get("page_cache_hit"))}
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s %sms cpu %sms%s (request %s, user %s)", request.method,
        fields["route"] or "-", response.status_code, duration, cpu,
        " cached" if fields["cached"] else "", fields["request_id"], fields["user_id"] or "-",
        extra={"fields": fields})
    return response


def _handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    handler.kff_handler = True  # marks ours, so a second create_app replaces it
    return handler


def init_app(app: Flask) -> None:
    """Configure the `app` loggers once per process and log every request."""
    logger = logging.getLogger("app")
    for handler in list(logger.handlers):
        if handler is default_handler or getattr(handler, "kff_handler", False):
            logger.removeHandler(handler)
    logger.addHandler(_handler(app.config.get("LOG_FORMAT", "text")))
    logger.setLevel(logging.INFO)
    # JSON: exactly one line per record; text: root handlers (pytest's caplog) see it too.
    logger.propagate = app.config.get("LOG_FORMAT", "text") != "json"
    app.before_request(_start_timer)
    app.after_request(_log_request)
