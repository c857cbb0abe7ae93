"""Pictures on an entry in Chromium: manage page and gallery, axe-core at 1280 and 360 px."""

import io

import pytest
from PIL import Image

from tests.browser.conftest import WIDTHS, check_page

pytestmark = pytest.mark.browser


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (90, 140, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def sign_in_as_representative(page, site) -> None:
    page.goto(f"{site.url}/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(site.representative_email)
    page.get_by_label("Passwort", exact=True).fill(site.member_password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", WIDTHS)
def test_upload_a_photo_see_it_on_the_entry_and_delete_it(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    sign_in_as_representative(page, live_server)
    page.goto(f"{live_server.url}/praxis/{live_server.practice}")
    page.get_by_role("link", name="Bilder und Dokumente verwalten").click()
    page.wait_for_load_state()
    check_page(page, f"dateien leer {width}", problems)

    # An image without a description: the message sits at the field, the caption stays.
    page.get_by_label("Datei", exact=True).set_input_files(
        {"name": "dorfladen.jpg", "mimeType": "image/jpeg", "buffer": photo()})
    page.get_by_label("Bildunterschrift").fill("Der Dorfladen am Markt")
    page.get_by_role("button", name="Hochladen").click()
    page.wait_for_load_state()
    assert "Bitte beschreiben Sie kurz" in page.content()
    assert page.get_by_label("Bildunterschrift").input_value() == "Der Dorfladen am Markt"
    check_page(page, f"dateien mit Fehler {width}", problems)

    page.get_by_label("Datei", exact=True).set_input_files(
        {"name": "dorfladen.jpg", "mimeType": "image/jpeg", "buffer": photo()})
    page.get_by_label("Bildbeschreibung").fill("Dorfladen mit Solardach am Marktplatz")
    page.get_by_role("button", name="Hochladen").click()
    page.wait_for_load_state()
    assert "ist hochgeladen" in page.content()
    check_page(page, f"dateien mit Bild {width}", problems)

    page.goto(f"{live_server.url}/praxis/{live_server.practice}")
    image = page.get_by_role("img", name="Dorfladen mit Solardach am Marktplatz")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 480
    check_page(page, f"eintrag mit Bild {width}", problems)

    page.goto(f"{live_server.url}/praxis/{live_server.practice}/dateien")
    page.get_by_role("button", name="Löschen: dorfladen.jpg").click()
    page.wait_for_load_state()
    assert "ist gelöscht" in page.content()
    assert page.get_by_role("img", name="Dorfladen mit Solardach am Marktplatz").count() == 0
    assert not problems, "\n\n".join(problems)
