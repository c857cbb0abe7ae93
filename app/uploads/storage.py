"""Files on disk: UPLOAD_DIR (outside static/), generated names, atomic writes."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path

from flask import current_app

THUMBNAIL_FOLDER = "vorschau"
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp|pdf)")


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def new_stored_name(extension: str) -> str:
    """A fresh name that says nothing about the upload: uuid4 hex plus the real ending."""
    return uuid.uuid4().hex + extension


def is_stored_name(name: str) -> bool:
    return STORED_NAME.fullmatch(name) is not None


def file_path(stored_name: str, thumbnail: bool = False) -> Path:
    """Where a stored file (or its thumbnail) lives; only generated names are accepted."""
    if not is_stored_name(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    folder = upload_dir() / THUMBNAIL_FOLDER if thumbnail else upload_dir()
    return folder / stored_name


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename: never a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_files(stored_name: str) -> None:
    """Delete a stored file and its thumbnail (missing files are fine)."""
    for thumbnail in (False, True):
        file_path(stored_name, thumbnail).unlink(missing_ok=True)
