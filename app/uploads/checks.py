"""What an uploaded file really is, decided by its bytes, and clean copies of images.

Never trusts the file name or the client's content type: the type comes from magic
bytes, images must decode completely with Pillow and are re-encoded (no EXIF, GPS, XMP or
comments survive), PDFs must start with `%PDF-` and end with `%%EOF`. Markup anywhere a
browser could find it (SVG, HTML, polyglots) is refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import NoReturn

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.uploads.models import DOCUMENT, IMAGE

MAX_DIMENSION = 2400
THUMBNAIL_WIDTH = 480
THUMBNAIL_MAX_HEIGHT = 960
ORIGINAL_NAME_MAX = 120
RGB_LIKE_MODES = ("RGB", "RGBA", "L", "LA", "P", "PA")


@dataclass(frozen=True)
class FileType:
    """An allowed type: how to recognise it and how to store it."""

    kind: str
    content_type: str
    extension: str
    label: str
    pillow_format: str | None = None


JPEG = FileType(IMAGE, "image/jpeg", ".jpg", "JPEG-Bild", "JPEG")
PNG = FileType(IMAGE, "image/png", ".png", "PNG-Bild", "PNG")
WEBP = FileType(IMAGE, "image/webp", ".webp", "WebP-Bild", "WEBP")
PDF = FileType(DOCUMENT, "application/pdf", ".pdf", "PDF-Dokument")
TYPES = (JPEG, PNG, WEBP, PDF)
# File name endings people use for the allowed types.
EXTENSIONS = {".jpg": JPEG, ".jpeg": JPEG, ".jpe": JPEG, ".png": PNG, ".webp": WEBP,
              ".pdf": PDF}
ALLOWED_HINT = "JPEG, PNG, WebP oder PDF"

# Markup a browser would render if it ever sniffed the file: refused anywhere in the file.
MARKUP_ANYWHERE = (b"<html", b"<script", b"<svg", b"<iframe", b"<!doctype html")
# Further signs of a text document, refused in the first kilobyte.
MARKUP_AT_START = (b"<body", b"<head", b"<!doctype", b"<meta ")
# PDF features that run code or carry other files, also behind #xx name escapes.
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class UploadRefused(Exception):  # noqa: N818 - reads as what happened to the upload
    """The file is not accepted; the message (German) says why and what to do."""


@dataclass
class CheckedFile:
    """A file that passed the checks: the bytes to store and what they are."""

    file_type: FileType
    data: bytes
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None

    @property
    def kind(self) -> str:
        return self.file_type.kind


def sniff(data: bytes) -> FileType | None:
    """The allowed type these bytes start like, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def _refuse_unknown(data: bytes) -> NoReturn:
    """Explain the most likely mistake for a type we do not take."""
    if data[:6] in (b"GIF87a", b"GIF89a"):
        raise UploadRefused(_("GIF-Dateien werden nicht angenommen. Bitte speichern Sie das "
                              "Bild als JPEG oder PNG."))
    if b"<svg" in data[:4096].lower():
        raise UploadRefused(_("SVG-Grafiken werden nicht angenommen, weil sie Programmcode "
                              "enthalten können. Bitte laden Sie das Bild als PNG hoch."))
    raise UploadRefused(_("Dieser Dateityp wird nicht angenommen. Erlaubt sind %(types)s.",
                          types=ALLOWED_HINT))


def _refuse_markup(data: bytes) -> None:
    lowered = data.lower()
    start = lowered[:1024]
    if any(marker in lowered for marker in MARKUP_ANYWHERE) or any(
            marker in start for marker in MARKUP_AT_START):
        raise UploadRefused(_("Die Datei enthält HTML- oder Skript-Code und wird deshalb nicht "
                              "angenommen. Bitte speichern Sie sie neu als %(types)s.",
                              types=ALLOWED_HINT))


def _refuse_mislabelled(file_type: FileType, filename: str) -> None:
    """A name ending that promises another type than the content is refused."""
    dot = filename.rfind(".")
    if dot <= 0:
        return
    named = EXTENSIONS.get(filename[dot:].lower())
    if named is not file_type:
        raise UploadRefused(_("Die Dateiendung passt nicht zum Inhalt: Die Datei ist ein "
                              "%(real)s. Bitte prüfen Sie, ob Sie die richtige Datei gewählt "
                              "haben.", real=file_type.label))


def check_upload(data: bytes, filename: str, max_pixels: int) -> CheckedFile:
    """Decide what the bytes are and return what may be stored; raise UploadRefused."""
    if not data:
        raise UploadRefused(_("Die Datei ist leer."))
    file_type = sniff(data)
    if file_type is None:
        _refuse_unknown(data)
    _refuse_markup(data)
    _refuse_mislabelled(file_type, filename)
    if file_type is PDF:
        _check_pdf(data)
        return CheckedFile(PDF, data)
    return clean_image(data, file_type, max_pixels)


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-1024:]:
        raise UploadRefused(_("Die PDF-Datei ist unvollständig oder beschädigt. Bitte "
                              "exportieren Sie sie erneut."))
    unescaped = _PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)
    if PDF_ACTIVE.search(unescaped):
        raise UploadRefused(_("Die PDF-Datei enthält Skripte, Formularlogik oder eingebettete "
                              "Dateien. Bitte speichern Sie sie als einfaches PDF (zum Beispiel "
                              "über „Drucken als PDF“)."))


def _open_image(data: bytes, file_type: FileType, max_pixels: int) -> Image.Image:
    """Decode the whole image, refusing broken files, other formats and pixel bombs."""
    broken = UploadRefused(_("Das Bild lässt sich nicht lesen; es ist beschädigt oder kein "
                             "%(label)s. Bitte speichern Sie es neu.", label=file_type.label))
    too_big = UploadRefused(_("Das Bild hat zu viele Bildpunkte. Bitte verkleinern Sie es auf "
                              "höchstens %(max)s Bildpunkte Kantenlänge.", max=MAX_DIMENSION * 2))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[file_type.pillow_format])
            if image.width * image.height > max_pixels:
                raise too_big
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_big from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise broken from error
    return image


def clean_image(data: bytes, file_type: FileType, max_pixels: int) -> CheckedFile:
    """Re-encode an image upright, at most MAX_DIMENSION, without metadata; plus thumbnail."""
    source = _open_image(data, file_type, max_pixels)
    # A CMYK or Lab profile would be wrong once the pixels are RGB.
    icc_profile = source.info.get("icc_profile") if source.mode in RGB_LIKE_MODES else None
    try:
        image = _storable_mode(ImageOps.exif_transpose(source), file_type)
    except (OSError, ValueError) as error:
        raise UploadRefused(_("Das Bild lässt sich nicht umwandeln. Bitte speichern Sie es "
                              "neu als JPEG oder PNG.")) from error
    image.info = {}
    image.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_MAX_HEIGHT), Image.Resampling.LANCZOS)
    return CheckedFile(file_type, _encode(image, file_type, icc_profile),
                       thumbnail=_encode(thumbnail, file_type, icc_profile),
                       width=image.width, height=image.height)


def _storable_mode(image: Image.Image, file_type: FileType) -> Image.Image:
    """JPEG takes no alpha; palettes and odd modes become RGB(A)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    if file_type is JPEG or not has_alpha:
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    return image if image.mode == "RGBA" else image.convert("RGBA")


def _encode(image: Image.Image, file_type: FileType, icc_profile: bytes | None) -> bytes:
    """Write only pixels (and the colour profile): no EXIF, XMP, GPS or comments."""
    buffer = io.BytesIO()
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if file_type is JPEG:
        options.update(quality=85, optimize=True, progressive=True)
    elif file_type is WEBP:
        options.update(quality=85, method=4)
    else:
        options.update(optimize=True)
    image.save(buffer, file_type.pillow_format, **options)
    return buffer.getvalue()


def display_name(filename: str, file_type: FileType) -> str:
    """The uploader's file name made harmless for display and download, with the real ending."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    stem = name[:name.rfind(".")] if name.rfind(".") > 0 else name
    stem = "".join(char for char in stem
                   if unicodedata.category(char)[0] not in "CZ" or char == " ")
    stem = re.sub(r'[<>:"/\\|?*;\'`]+', "", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:ORIGINAL_NAME_MAX] or "datei"
    return stem + file_type.extension
