"""Pictures and documents on entries: checks by content, clean images, permissions, backup."""

import io
import re
from pathlib import Path

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.practices import states
from app.practices.models import Practice
from app.uploads.checks import UploadRefused, check_upload
from app.uploads.models import Attachment
from app.uploads.services import add_attachment
from tests.conftest import count, csrf_token_from

SLUG = "testeintrag"
PAGE = f"/praxis/{SLUG}/dateien"
HOME = "Gemeinde Testdorf"


@pytest.fixture
def app(make_app, tmp_path):
    """The usual app, with its upload folder in the test's temporary folder."""
    app = make_app(UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def entry(write_practice, import_folder):
    """A published public entry of Gemeinde Testdorf."""
    import_folder(write_practice(SLUG).parent)
    return db.session.scalar(select(Practice).where(Practice.slug == SLUG))


@pytest.fixture
def editor(create_user, login, entry):
    """A signed-in representative of the entry's municipality."""
    user = create_user(role="representative", municipality=HOME)
    login(user)
    return user


def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(app) -> list[Path]:
    return sorted(path for path in upload_dir(app).rglob("*") if path.is_file()) \
        if upload_dir(app).exists() else []


def image_at(path: Path) -> Image.Image:
    return Image.open(io.BytesIO(path.read_bytes()))


def jpeg_with_gps(size=(800, 600), orientation: int | None = None) -> bytes:
    """A photo as a phone writes it: camera model, GPS position, maybe an orientation."""
    image = Image.new("RGB", size, (200, 120, 40))
    image.paste((20, 90, 200), (0, 0, size[0] // 2, size[1] // 4))  # top-left marker
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Testkamera X100"
    exif[ExifTags.Base.Make] = "Kameraherstellerin"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (49.0, 45.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (11.0, 32.0, 7.25)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def png(size=(300, 200), text_chunk: str | None = None, mode="RGB") -> bytes:
    image = Image.new(mode, size, "white" if mode != "1" else 1)
    info = PngImagePlugin.PngInfo()
    if text_chunk:
        info.add_text("Comment", text_chunk)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def pdf(body: bytes = b"") -> bytes:
    """A small, well-formed PDF with one empty page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>" + body]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def post_file(client, data: bytes, filename: str, alt_text="Dorfladen mit Solardach",
              caption="", slug=SLUG, token=None):
    path = f"/praxis/{slug}/dateien"
    token = token or csrf_token_from(client, path)
    # Encoded in memory: the test client's own temporary file for large bodies is never closed.
    boundary, body = encode_multipart({"csrf_token": token, "alt_text": alt_text,
                                       "caption": caption,
                                       "file": FileStorage(io.BytesIO(data), filename)})
    return client.post(path, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def fetch(client, path: str):
    """GET a file and close the streamed response (its file handle) at once."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def only_attachment() -> Attachment:
    rows = db.session.scalars(select(Attachment)).all()
    assert len(rows) == 1
    return rows[0]


# Accepted files --------------------------------------------------------------------------

def test_a_photo_loses_exif_and_gps_and_is_turned_upright(app, client, editor):
    original = jpeg_with_gps(orientation=6)  # "rotate 90° clockwise to view"
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    response = post_file(client, original, "Dorfladen.JPG", caption="Unser Dorfladen")
    assert response.status_code == 302
    attachment = only_attachment()
    stored = (upload_dir(app) / attachment.stored_name).read_bytes()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for secret in (b"Exif", b"Testkamera", b"Kameraherstellerin", b"GPS"):
        assert secret not in stored
    assert (image.width, image.height) == (600, 800) == (attachment.width, attachment.height)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", attachment.stored_name)
    assert attachment.original_name == "Dorfladen.jpg"
    assert attachment.alt_text == "Dorfladen mit Solardach"
    assert attachment.uploader_id == editor.id


def test_large_images_are_capped_and_get_a_thumbnail(app, client, editor):
    assert post_file(client, jpeg_with_gps(size=(3600, 2400)), "gross.jpg").status_code == 302
    attachment = only_attachment()
    main = image_at(upload_dir(app) / attachment.stored_name)
    thumbnail = image_at(upload_dir(app) / "vorschau" / attachment.stored_name)
    assert main.size == (2400, 1600)
    assert thumbnail.size == (480, 320)
    assert dict(thumbnail.getexif()) == {}


def test_png_keeps_transparency_and_webp_is_accepted(app, client, editor):
    transparent = io.BytesIO()
    Image.new("RGBA", (100, 80), (0, 128, 0, 100)).save(transparent, "PNG")
    assert post_file(client, transparent.getvalue(), "logo.png").status_code == 302
    webp = io.BytesIO()
    Image.new("RGB", (120, 90), "blue").save(webp, "WEBP")
    assert post_file(client, webp.getvalue(), "platz.webp").status_code == 302
    kinds = {a.content_type: a for a in db.session.scalars(select(Attachment))}
    assert set(kinds) == {"image/png", "image/webp"}
    assert image_at(upload_dir(app) / kinds["image/png"].stored_name).mode == "RGBA"


def test_a_pdf_is_stored_as_it_is_without_alt_text(app, client, editor):
    document = pdf()
    response = post_file(client, document, "Ratsbeschluss März.pdf", alt_text="",
                         caption="Beschluss des Gemeinderats")
    assert response.status_code == 302
    attachment = only_attachment()
    assert attachment.kind == "document"
    assert (upload_dir(app) / attachment.stored_name).read_bytes() == document
    assert attachment.original_name == "Ratsbeschluss März.pdf"
    assert not (upload_dir(app) / "vorschau" / attachment.stored_name).exists()


# Refused files ---------------------------------------------------------------------------

SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(document.cookie)</script></svg>")
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF")
    return buffer.getvalue()


REFUSED = {
    "svg": (SVG, "bild.svg", "SVG"),
    "svg named png": (SVG, "bild.png", "SVG"),
    "html": (HTML, "seite.html", "nicht angenommen"),
    "html named pdf": (HTML, "bericht.pdf", "nicht angenommen"),
    "plain text": (b"Nur ein Text", "notiz.txt", "JPEG, PNG, WebP oder PDF"),
    "gif": (_gif(), "animation.gif", "GIF"),
    "png with script in the first kilobyte": (
        png(text_chunk="<script>alert(1)</script>"), "bild.png", "HTML- oder Skript-Code"),
    "jpeg with html appended": (
        jpeg_with_gps() + b"<html><script>alert(1)</script></html>", "foto.jpg",
        "HTML- oder Skript-Code"),
    "pdf with html before the header": (b"<html><script>x</script></html>\n" + pdf(),
                                        "bericht.pdf", "nicht angenommen"),
    "pdf named jpg": (pdf(), "foto.jpg", "Dateiendung passt nicht"),
    "png named jpg": (png(), "foto.jpg", "Dateiendung passt nicht"),
    "jpeg named html": (jpeg_with_gps(), "foto.html", "Dateiendung passt nicht"),
    "pdf without trailer": (pdf()[:-7], "bericht.pdf", "unvollständig"),
    "pdf with javascript": (pdf(b" /AA << /O << /S /JavaScript /JS (app.alert(1)) >> >>"),
                            "bericht.pdf", "Skripte"),
    "pdf with escaped javascript name": (pdf(b" /OpenAction << /S /J#61vaScript >>"),
                                         "bericht.pdf", "Skripte"),
    "truncated jpeg": (jpeg_with_gps()[:2000], "foto.jpg", "beschädigt"),
    "jpeg header only": (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "foto.jpg", "beschädigt"),
    "empty": (b"", "leer.jpg", None),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_files_get_a_message_and_store_nothing(app, client, editor, name):
    data, filename, message = REFUSED[name]
    response = post_file(client, data, filename, caption="Meine Bildunterschrift")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="file-fehler"' in html
    if message:
        assert message in html
    assert 'value="Meine Bildunterschrift"' in html
    assert count(Attachment) == 0
    assert stored_files(app) == []


def test_oversize_file_gets_a_clear_message(app, client, editor):
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * (4 * 1024 * 1024)
    response = post_file(client, data, "riesig.png")
    assert response.status_code == 422
    assert "Die Datei ist zu groß. Erlaubt sind höchstens 4 MB" in response.get_data(as_text=True)
    assert count(Attachment) == 0 and stored_files(app) == []


def test_beyond_the_request_limit_the_answer_is_413_in_german(app, client, editor):
    response = post_file(client, b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024), "foto.jpg")
    assert response.status_code == 413
    assert "zu groß" in response.get_data(as_text=True)
    assert count(Attachment) == 0 and stored_files(app) == []


def test_decompression_bombs_are_refused_before_decoding():
    bomb = png(size=(4000, 4000), mode="1")  # 16 million pixels in a few kilobytes
    assert len(bomb) < 50_000
    with pytest.raises(UploadRefused, match="zu viele Bildpunkte"):
        check_upload(bomb, "bombe.png", max_pixels=10_000_000)


def test_alt_text_is_required_for_images_and_the_caption_is_kept(app, client, editor):
    response = post_file(client, jpeg_with_gps(), "foto.jpg", alt_text="   ",
                         caption="Eröffnung des Dorfladens 2019")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte beschreiben Sie kurz, was auf dem Bild zu sehen ist" in html
    assert 'value="Eröffnung des Dorfladens 2019"' in html
    assert re.search(r'id="alt_text"[^>]*aria-describedby="[^"]*alt_text-fehler', html) or \
        re.search(r'aria-describedby="[^"]*alt_text-fehler[^"]*"[^>]*id="alt_text"', html)
    assert count(Attachment) == 0 and stored_files(app) == []


def test_no_file_chosen(app, client, editor):
    token = csrf_token_from(client, PAGE)
    response = client.post(PAGE, data={"csrf_token": token, "alt_text": "x", "caption": "y"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Datei aus." in response.get_data(as_text=True)


def test_upload_without_csrf_token_is_refused(app, client, editor):
    response = client.post(PAGE, data={"file": (io.BytesIO(png()), "a.png"), "alt_text": "x"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert count(Attachment) == 0


def test_a_failed_commit_leaves_no_file(app, entry):
    checked = check_upload(jpeg_with_gps(), "foto.jpg", max_pixels=10_000_000)
    practice_id = entry.id
    db.session.expunge(entry)  # keeps its loaded id while the row goes away
    db.session.execute(text("DELETE FROM practice WHERE id = :id"), {"id": practice_id})
    db.session.commit()
    with pytest.raises(Exception, match="(?i)foreign key"):
        add_attachment(entry, checked, "foto.jpg", "Ein Foto", "", None)
    assert count(Attachment) == 0
    assert stored_files(app) == []


# Who may upload --------------------------------------------------------------------------

@pytest.mark.parametrize("role, municipality", [
    ("representative", "Stadt Anderswo"), ("member", None)])
def test_others_may_not_upload(app, client, entry, create_user, login, write_practice,
                               import_folder, role, municipality):
    import_folder(write_practice("eigener-eintrag", municipality="Stadt Anderswo").parent)
    login(create_user(role=role, municipality=municipality))
    assert client.get(PAGE).status_code == 403
    token = csrf_token_from(client, "/praxis/eigener-eintrag/dateien") \
        if role == "representative" else csrf_token_from(client, "/praxis/eigener-eintrag")
    response = post_file(client, jpeg_with_gps(), "foto.jpg", token=token)
    assert response.status_code == 403
    assert count(Attachment) == 0 and stored_files(app) == []


def test_anonymous_readers_are_sent_to_sign_in(app, client, entry):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]
    token = csrf_token_from(client, "/konto/anmelden")
    response = post_file(client, jpeg_with_gps(), "foto.jpg", token=token)
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]
    assert count(Attachment) == 0 and stored_files(app) == []


def test_another_municipalitys_draft_is_not_even_found(app, client, entry, create_user, login):
    entry.publication = states.DRAFT
    db.session.commit()
    login(create_user(role="representative", municipality="Stadt Anderswo"))
    assert client.get(PAGE).status_code == 404


def test_organisers_may_upload(app, client, entry, create_user, login):
    login(create_user(role="organiser"))
    assert post_file(client, png(), "plakat.png").status_code == 302
    assert count(Attachment) == 1


# Serving ---------------------------------------------------------------------------------

def _upload_one(client, data, filename, **fields) -> Attachment:
    assert post_file(client, data, filename, **fields).status_code == 302
    return db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()


def test_files_are_served_with_nosniff_and_the_right_disposition(app, client, editor):
    document = _upload_one(client, pdf(), "Beschluss.pdf", alt_text="")
    photo = _upload_one(client, jpeg_with_gps(), "foto.jpg")
    response = fetch(client, f"/dateien/{document.stored_name}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Beschluss.pdf" in response.headers["Content-Disposition"]
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert response.data == pdf()
    image = fetch(client, f"/dateien/{photo.stored_name}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in image.headers["Content-Security-Policy"]
    thumbnail = fetch(client, f"/dateien/vorschau/{photo.stored_name}")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(thumbnail.data)).width == 480
    assert fetch(client, f"/dateien/vorschau/{document.stored_name}").status_code == 404


@pytest.mark.parametrize("path", [
    "/dateien/..%2F..%2Fwissensbasis.sqlite3", "/dateien/" + "0" * 32 + ".jpg",
    "/dateien/secret_key", "/dateien/vorschau/..%2Fsecret_key"])
def test_unknown_names_are_not_found(client, path):
    assert client.get(path).status_code == 404


def _anonymous_status(app, stored_name: str) -> int:
    return fetch(app.test_client(), f"/dateien/{stored_name}").status_code


def test_members_only_and_draft_files_are_not_served_to_the_public(
        app, client, editor, create_user):
    photo = _upload_one(client, jpeg_with_gps(), "foto.jpg")
    assert _anonymous_status(app, photo.stored_name) == 200
    practice = db.session.get(Practice, photo.practice_id)
    practice.visibility = "members"
    db.session.commit()
    assert _anonymous_status(app, photo.stored_name) == 404
    assert fetch(app.test_client(), f"/dateien/vorschau/{photo.stored_name}").status_code == 404
    assert fetch(client, f"/dateien/{photo.stored_name}").status_code == 200  # signed in
    practice.visibility = "public"
    practice.publication = states.DRAFT
    db.session.commit()
    assert _anonymous_status(app, photo.stored_name) == 404
    assert fetch(client, f"/dateien/{photo.stored_name}").status_code == 200  # own municipality
    other = app.test_client()
    token = csrf_token_from(other, "/konto/anmelden")
    outsider = create_user(role="representative", municipality="Stadt Anderswo")
    other.post("/konto/anmelden", data={"email": outsider.email, "csrf_token": token,
                                        "password": "ein sehr langes Testpasswort"})
    assert fetch(other, f"/dateien/{photo.stored_name}").status_code == 404


# The entry page, order and deleting ------------------------------------------------------

def test_the_entry_page_shows_pictures_and_documents(app, client, editor):
    detail = client.get(f"/praxis/{SLUG}").get_data(as_text=True)
    assert "Bilder und Dokumente verwalten" in detail
    assert 'id="seite-dateien"' not in detail
    photo = _upload_one(client, jpeg_with_gps(), "foto.jpg", caption="Der Dorfladen")
    document = _upload_one(client, pdf(), "Beschluss.pdf", alt_text="", caption="Ratsbeschluss")
    reader = app.test_client().get(f"/praxis/{SLUG}").get_data(as_text=True)
    assert f'href="/dateien/{photo.stored_name}"' in reader
    assert re.search(rf'<img src="/dateien/vorschau/{photo.stored_name}" '
                     r'alt="Dorfladen mit Solardach"', reader)
    assert "<figcaption>Der Dorfladen</figcaption>" in reader
    assert f'href="/dateien/{document.stored_name}">Ratsbeschluss</a>' in reader
    assert "(PDF, 1 KB)" in reader
    assert "Bilder und Dokumente verwalten" not in reader


def test_order_can_be_changed_and_deleting_removes_the_files(app, client, editor):
    first = _upload_one(client, png(), "erstes.png", alt_text="Erstes Bild")
    second = _upload_one(client, png(), "zweites.png", alt_text="Zweites Bild")
    first_id, second_id, second_name = first.id, second.id, second.stored_name
    token = csrf_token_from(client, PAGE)
    response = client.post(f"{PAGE}/{second_id}/verschieben",
                           data={"csrf_token": token, "richtung": "hoch"})
    assert response.status_code == 302
    page = client.get(f"/praxis/{SLUG}").get_data(as_text=True)
    assert page.index("Zweites Bild") < page.index("Erstes Bild")
    assert client.post(f"{PAGE}/{second_id}/verschieben",
                       data={"csrf_token": token, "richtung": "seitwaerts"}).status_code == 400

    assert len(stored_files(app)) == 4  # two images, two thumbnails
    response = client.post(f"{PAGE}/{second_id}/loeschen", data={"csrf_token": token})
    assert response.status_code == 302
    assert [a.id for a in db.session.scalars(select(Attachment))] == [first_id]
    assert not (upload_dir(app) / second_name).exists()
    assert not (upload_dir(app) / "vorschau" / second_name).exists()
    assert len(stored_files(app)) == 2
    assert fetch(client, f"/dateien/{second_name}").status_code == 404
    assert client.post(f"{PAGE}/{first_id}/loeschen", data={}).status_code == 400
    assert count(Attachment) == 1


def test_an_attachment_cannot_be_deleted_through_another_entry(
        app, client, editor, write_practice, import_folder):
    photo = _upload_one(client, png(), "bild.png")
    import_folder(write_practice("zweiter-eintrag", title="Zweiter Eintrag").parent)
    token = csrf_token_from(client, PAGE)
    response = client.post(f"/praxis/zweiter-eintrag/dateien/{photo.id}/loeschen",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert count(Attachment) == 1


# Backup ----------------------------------------------------------------------------------

def test_backup_round_trip_includes_the_files(app, client, editor, runner, make_app, tmp_path):
    photo = _upload_one(client, jpeg_with_gps(), "foto.jpg", caption="Dorfladen")
    document = _upload_one(client, pdf(), "Beschluss.pdf", alt_text="")
    before = {path.relative_to(upload_dir(app)): path.read_bytes() for path in stored_files(app)}
    assert len(before) == 3
    archive = tmp_path / "sicherung.zip"
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output

    other = make_app(UPLOAD_DIR=str(tmp_path / "uploads-restored"))
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        after = {path.relative_to(upload_dir(other)): path.read_bytes()
                 for path in stored_files(other)}
        assert after == before
        restored = db.session.scalar(select(Attachment).where(
            Attachment.stored_name == photo.stored_name))
        assert restored.caption == "Dorfladen" and restored.alt_text == "Dorfladen mit Solardach"
        reader = other.test_client()
        assert fetch(reader, f"/dateien/{document.stored_name}").data == pdf()
        assert fetch(reader, f"/dateien/vorschau/{photo.stored_name}").status_code == 200
