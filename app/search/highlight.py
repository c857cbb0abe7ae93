"""Snippets: the passage with most query terms, HTML-escaped, matches in <mark>."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from app.search.analysis import WORD_RE, evict_oldest, get_lexicon
from app.search.analysis import word_terms as analysis_terms
from app.search.documents import snippet_text

WINDOW = 28  # words in a snippet
MAX_TEXT = 8_000  # characters of an entry's text looked at
OPEN, CLOSE = "\x00", "\x01"  # stand-ins for <mark> until the text is escaped
MAX_PREPARED = 256  # entry texts kept split into words (about 30 KB each)


def word_terms(word: str) -> frozenset[str]:
    """The index terms of one word as written (its stem and those of its parts)."""
    return frozenset(analysis_terms(word.lower()))


@dataclass(frozen=True)
class _Prepared:
    """An entry's snippet text split into words, each distinct word with its terms."""

    text: str
    spans: tuple[tuple[int, int], ...]
    written: tuple[str, ...]
    terms: dict[str, frozenset[str]]
    lowered: frozenset[str]  # the words as analysed: kept while none is analysed otherwise


def _prepare(summary: str, body: str) -> _Prepared:
    """Kept per text and splitting dictionary: a result page splits the same popular
    entries again and again, and splitting was a tenth of the server's time under load."""
    cache = get_lexicon().derived_cache(
        "snippet-texts", lambda _key, prepared, affected: prepared.lowered.isdisjoint(affected))
    key = (summary, body)
    prepared = cache.get(key)
    if prepared is None:
        text = f"{summary}\n{snippet_text(body)}"[:MAX_TEXT].replace(OPEN, " ").replace(
            CLOSE, " ")
        words = list(WORD_RE.finditer(text))
        written = tuple(match.group() for match in words)
        distinct = {word for word in written if len(word) > 1}
        prepared = _Prepared(text, tuple(match.span() for match in words), written,
                             {word: word_terms(word) for word in distinct},
                             frozenset(word.lower() for word in distinct))
        if len(cache) >= MAX_PREPARED:  # the oldest goes: edits make new texts all the time
            evict_oldest(cache)
        cache[key] = prepared
    return prepared


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


def _matches(prepared: _Prepared, terms: set[str]) -> list[tuple[int, frozenset[str]]]:
    matching = {word: frozenset(hit) for word, word_terms_ in prepared.terms.items()
                if (hit := terms.intersection(word_terms_))}
    if not matching:
        return []
    return [(index, matching[word]) for index, word in enumerate(prepared.written)
            if word in matching]


def make_snippet(summary: str, body: str, terms: set[str]) -> Markup:
    """The best passage of the summary and the Markdown body for these terms, safe to put
    into HTML."""
    prepared = _prepare(summary, body)
    text, spans = prepared.text, prepared.spans
    if not spans:
        return Markup("")
    matches = _matches(prepared, terms) if terms else []
    start = _best_window(matches, len(spans)) if matches else 0
    end = min(len(spans), start + WINDOW)
    marked = {index for index, _ in matches if start <= index < end}
    parts: list[str] = ["… "] if start > 0 else []
    position = spans[start][0]
    for index in range(start, end):
        word_start, word_end = spans[index]
        parts.append(text[position:word_start])
        word = text[word_start:word_end]
        parts.append(f"{OPEN}{word}{CLOSE}" if index in marked else word)
        position = word_end
    parts.append(" …" if end < len(spans) else text[position:])
    plain = " ".join("".join(parts).split())
    html = str(escape(plain)).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")
    return Markup(html)  # noqa: S704 - escaped above; only our own <mark> tags are markup
