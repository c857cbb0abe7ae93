"""Snippets: the passage with most query terms, HTML-escaped, matches in <mark>."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from app.search.analysis import WORD_RE, normalize, stem, word_forms

WINDOW = 28  # words in a snippet
MAX_TEXT = 20_000  # characters of an entry's text looked at


@lru_cache(maxsize=100_000)
def word_terms(word: str) -> frozenset[str]:
    """The index terms of one word as written (its stem and those of its parts)."""
    return frozenset(stem(form.replace("-", "")) for form in word_forms(normalize(word.lower())))


def _best_window(matches: list[tuple[int, frozenset[str]]], count: int) -> int:
    """Index of the first word of the window with most distinct matching terms."""
    best_start, best_score = 0, -1
    for position, _terms in matches:
        start = max(0, min(position - 3, count - WINDOW))
        found = set()
        for other, terms in matches:
            if start <= other < start + WINDOW:
                found |= terms
        if len(found) > best_score:
            best_start, best_score = start, len(found)
    return best_start


def make_snippet(summary: str, body: str, terms: set[str]) -> Markup:
    """The best passage of summary and body for these terms, safe to put into HTML."""
    text = f"{summary}\n{body}"[:MAX_TEXT]
    words = list(WORD_RE.finditer(text))
    if not words:
        return Markup("")
    matches = []
    if terms:
        for index, match in enumerate(words):
            found = word_terms(match.group()) & terms
            if found:
                matches.append((index, frozenset(found)))
    start = _best_window(matches, len(words)) if matches else 0
    end = min(len(words), start + WINDOW)
    marked = {index for index, _ in matches if start <= index < end}
    parts: list[str] = ["… "] if start > 0 else []
    position = words[start].start()
    for index in range(start, end):
        match = words[index]
        parts.append(str(escape(text[position:match.start()])))
        word = str(escape(match.group()))
        parts.append(f"<mark>{word}</mark>" if index in marked else word)
        position = match.end()
    if end < len(words):
        parts.append(" …")
    else:
        parts.append(str(escape(text[position:])))
    # Every piece above was escaped; only our own <mark> tags are markup.
    return Markup(" ".join("".join(parts).split()))  # noqa: S704
