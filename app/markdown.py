"""The one place where Markdown becomes HTML.

markdown-it-py renders CommonMark plus tables with raw HTML switched off; only http,
https and mailto links (and links within the site) survive; images are not rendered
because they would load files from other hosts. nh3 then cleans the HTML against an
allow-list as a second layer.
"""

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin

MAX_MARKDOWN_CHARS = 1_000_000

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "s",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "ol": {"start"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


class MarkdownTooLarge(ValueError):
    """The text exceeds the size the renderer accepts."""


def heading_slug(title: str) -> str:
    """German-friendly id for a heading: 'Kosten und Förderung' -> 'kosten-und-foerderung'."""
    text = title.lower()
    for umlaut, replacement in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, replacement)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "abschnitt"


def _validate_link(url: str) -> bool:
    match = _SCHEME.match(url.strip())
    # No scheme: a link within the site or a fragment.
    return match is None or match.group(1).lower() in ALLOWED_SCHEMES


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough").disable("image")
    md.validateLink = _validate_link
    anchors_plugin(md, min_level=2, max_level=4, slug_func=heading_slug)
    return md


_parser = _build_parser()


def render_markdown(text: str) -> Markup:
    """Render user Markdown to safe HTML; raises MarkdownTooLarge beyond 1 MB."""
    if len(text) > MAX_MARKDOWN_CHARS:
        raise MarkdownTooLarge(f"Text ist länger als {MAX_MARKDOWN_CHARS} Zeichen.")
    html = _parser.render(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 against an allow-list above
