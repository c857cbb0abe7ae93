"""Snippets: the passage with most query terms, HTML-escaped, matches in <mark>."""

from __future__ import annotations

from markupsafe import Markup, escape

from app.search.analysis import WORD_RE
from app.search.analysis import word_terms as analysis_terms

WINDOW = 28  # words in a snippet
MAX_TEXT = 8_000  # characters of an entry's text looked at
OPEN, CLOSE = "\x00", "\x01"  # stand-ins for <mark> until the text is escaped


def word_terms(word: str) -> frozenset[str]:
    """The index terms of one word as written (its stem and those of its parts)."""
    return frozenset(analysis_terms(word.lower()))


def _best_window(matches: list[tuple[int, frozenset[str]]], count: int) -> int:
    """Index of the first word of the window with most distinct matching terms."""
    best_start, best_score = 0, -1
    for position, _terms in matches:
        start = max(0, min(position - 3, count - WINDOW))
        found: set[str] = set()
        for other, terms in matches:
            if start <= other < start + WINDOW:
                found |= terms
        if len(found) > best_score:
            best_start, best_score = start, len(found)
    return best_start


def _matches(words, terms: set[str]) -> list[tuple[int, frozenset[str]]]:
    found = []
    for index, match in enumerate(words):
        word = match.group()
        if len(word) > 1:
            hit = terms.intersection(analysis_terms(word.lower()))
            if hit:
                found.append((index, frozenset(hit)))
    return found


def make_snippet(summary: str, body: str, terms: set[str]) -> Markup:
    """The best passage of summary and body for these terms, safe to put into HTML."""
    text = f"{summary}\n{body}"[:MAX_TEXT].replace(OPEN, " ").replace(CLOSE, " ")
    words = list(WORD_RE.finditer(text))
    if not words:
        return Markup("")
    matches = _matches(words, terms) if terms else []
    start = _best_window(matches, len(words)) if matches else 0
    end = min(len(words), start + WINDOW)
    marked = {index for index, _ in matches if start <= index < end}
    parts: list[str] = ["… "] if start > 0 else []
    position = words[start].start()
    for index in range(start, end):
        match = words[index]
        parts.append(text[position:match.start()])
        parts.append(f"{OPEN}{match.group()}{CLOSE}" if index in marked else match.group())
        position = match.end()
    parts.append(" …" if end < len(words) else text[position:])
    plain = " ".join("".join(parts).split())
    html = str(escape(plain)).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")
    return Markup(html)  # noqa: S704 - escaped above; only our own <mark> tags are markup
