"""URL converters: whole numbers in paths stay within what every database can store."""

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from app.errors import abort_with_message

# The largest value of a signed 32-bit integer column; anything larger cannot name a row.
MAX_PATH_INTEGER = 2**31 - 1
# Far beyond any form or link of ours; longer query strings are refused before parsing.
# (gunicorn refuses request lines over 4 KB itself; this guards other servers too.)
MAX_QUERY_STRING_BYTES = 128 * 1024


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` that does not match numbers a database column cannot hold (404, not 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_PATH_INTEGER,  # werkzeug names
                 signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_long_query_string() -> None:
    """414 with a short German message before any parameter is read."""
    if len(request.query_string) > MAX_QUERY_STRING_BYTES:
        abort_with_message(414, "Die Adresse ist zu lang.")


def refuse_nul_characters() -> None:
    """400 for a NUL character anywhere in the path, the parameters or the form fields.

    PostgreSQL text cannot hold NUL (every query with one fails), and no person types it:
    one guard here instead of a check in every form and lookup.
    """
    values = [request.path, *(k + v for k, v in request.args.items(multi=True))]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        values += [k + v for k, v in request.form.items(multi=True)]
        values += [f.filename or "" for _k, f in request.files.items(multi=True)]
    if any("\x00" in value for value in values):
        abort_with_message(400, "Die Anfrage enthält ein unzulässiges Steuerzeichen.")


def init_app(app: Flask) -> None:
    """Install the converters; must run before any blueprint adds its rules."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_long_query_string)
    app.before_request(refuse_nul_characters)
