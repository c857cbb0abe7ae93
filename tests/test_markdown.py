"""The Markdown renderer against hostile and ordinary input (SECURITY.md 11, 19)."""

import time
from html.parser import HTMLParser

import pytest

from app.markdown import MarkdownTooLarge, render_markdown

HOSTILE = [
    ("script tag", "<script>alert(1)</script>"),
    ("event attribute", '<img src=x onerror="alert(1)">'),
    ("inline html link", '<a href="javascript:alert(1)">klick</a>'),
    ("javascript link", "[klick](javascript:alert(1))"),
    ("mixed-case scheme", "[klick](JaVaScRiPt:alert(1))"),
    ("entity-encoded scheme", "[klick](&#106;avascript:alert(1))"),
    ("data link", "[klick](data:text/html;base64,PHNjcmlwdD4=)"),
    ("vbscript link", "[klick](vbscript:msgbox(1))"),
    ("autolink", "<javascript:alert(1)>"),
    ("reference link", "[klick][x]\n\n[x]: javascript:alert(1)"),
    ("html comment", "<!-- <script>alert(1)</script> -->"),
    ("svg", "<svg onload=alert(1)>"),
    ("iframe", '<iframe src="https://example.org"></iframe>'),
    ("style tag", "<style>body{display:none}</style>"),
]


class ElementCollector(HTMLParser):
    """Collects the real elements, attributes and comments of rendered HTML."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.comments = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += attrs

    def handle_comment(self, data):
        self.comments.append(data)


@pytest.mark.parametrize(("case", "source"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_markdown_renders_inert(case, source):
    collector = ElementCollector()
    collector.feed(str(render_markdown(source)))
    assert not collector.tags & {"script", "img", "iframe", "svg", "style", "object"}, case
    assert not collector.comments, case
    for name, value in collector.attributes:
        assert not name.startswith("on"), case
        if name == "href":
            assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"} \
                or ":" not in value, (case, value)


def test_allowed_links_survive_with_safe_rel():
    html = str(render_markdown("[a](https://example.org) [b](mailto:x@example.org) [c](/praxis/x)"))
    assert 'href="https://example.org"' in html
    assert 'href="mailto:x@example.org"' in html
    assert 'href="/praxis/x"' in html
    assert "noopener" in html


def test_images_from_other_hosts_are_not_loaded():
    html = str(render_markdown("![Logo](https://example.org/logo.png)"))
    assert "<img" not in html


def test_tables_and_heading_ids():
    html = str(render_markdown("## Kosten und Förderung\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
    assert '<h2 id="kosten-und-foerderung">' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_very_long_input_is_refused_quickly():
    started = time.perf_counter()
    with pytest.raises(MarkdownTooLarge):
        render_markdown("x" * 1_000_001)
    assert time.perf_counter() - started < 1


def test_deeply_nested_input_renders_quickly():
    started = time.perf_counter()
    html = str(render_markdown("> " * 5000 + "tief\n" + "- " * 5000 + "x"))
    assert html.startswith("<blockquote>")
    assert time.perf_counter() - started < 2
