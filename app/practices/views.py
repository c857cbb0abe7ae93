"""Reading a practice: the entry page, its print view and the Markdown download."""

import re
from dataclasses import replace
from itertools import count
from urllib.parse import urlsplit

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from app.errors import error_response
from app.permissions import can_see_contact_details, is_signed_in
from app.practices.fileformat import write_practice_text
from app.practices.queries import (
    PracticeNotFound,
    adopted_by,
    adopted_from,
    get_visible_practice_or_404,
    published_reports,
)
from app.practices.services import practice_to_data
from app.search import similar_practices

bp = Blueprint("practices", __name__)

_SECTION = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)
# Sanitised body HTML (app.markdown): tables carry no attributes and never nest.
_TABLE = re.compile(r"<table>.*?</table>", re.S)


@bp.errorhandler(PracticeNotFound)
def not_visible(error: PracticeNotFound):
    """Anonymous readers learn that some entries are for members; the same for any slug."""
    if is_signed_in():
        return error_response(404)
    return render_template("practices/members_only.html"), 404


def body_sections(body_html: str) -> list[tuple[str, Markup]]:
    """(anchor, title) of the entry's second-level headings, for a table of contents."""
    return [(anchor, Markup(title).striptags())  # noqa: S704 - sanitised body HTML
            for anchor, title in _SECTION.findall(body_html)]


def scrollable_tables(body_html: str) -> Markup:
    """Each table in a keyboard-scrollable box, so that a wide table never widens the page."""
    number = count(1)

    def wrap(match: re.Match) -> str:
        label = escape(_("Tabelle %(n)s", n=next(number)))
        return (f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">'
                f"{match.group(0)}</div>")

    return Markup(_TABLE.sub(wrap, body_html))  # noqa: S704 - sanitised on save; wrapper ours


def back_to_search() -> str | None:
    """The search the reader came from (same host, /suche only), for a way back."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path != url_for("search_ui.search"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def _page_context(slug: str) -> dict:
    practice = get_visible_practice_or_404(slug)
    return {
        "practice": practice,
        "body_html": scrollable_tables(practice.body_html),
        "sections": body_sections(practice.body_html),
        "reports": published_reports(practice),
        "adopted_from": adopted_from(practice),
        "adopted_by": adopted_by(practice),
        "show_contact_details": can_see_contact_details(),
    }


@bp.get("/praxis/<slug>")
def detail(slug: str):
    """The entry with its metadata, contact, workshops, reports and similar approaches."""
    context = _page_context(slug)
    similar = similar_practices(slug, viewer=current_user, limit=5,
                                practice=context["practice"])
    return render_template("practices/detail.html", similar=similar,
                           search_url=back_to_search(), **context)


@bp.get("/praxis/<slug>/druck")
def print_view(slug: str):
    """A compact page for paper (A4): the entry and its key facts."""
    return render_template("practices/print.html", **_page_context(slug))


@bp.get("/praxis/<slug>.md")
def download(slug: str):
    """The entry as a SPEC §2 Markdown file; contact e-mail and phone for members only."""
    practice = get_visible_practice_or_404(slug)
    data = practice_to_data(practice)
    if not can_see_contact_details():
        data = replace(data, contact={key: value for key, value in data.contact.items()
                                      if key in ("name", "role")})
    response = Response(write_practice_text(data), mimetype="text/markdown")
    response.headers["Content-Disposition"] = f'attachment; filename="{practice.slug}.md"'
    return response
