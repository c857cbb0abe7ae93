"""'Similar approaches': the most telling terms of an entry as a ranked OR query."""

from __future__ import annotations

from collections import Counter

from whoosh import query as wq

from app.practices.models import Practice
from app.search.analysis import evict_oldest, german_analyzer, get_lexicon
from app.search.documents import plain_text
from app.search.index import View

MAX_TERMS = 25
MAX_CACHED = 512  # entries whose term counts are kept


def similar_query(view: View, practice: Practice) -> wq.Query | None:
    """An OR over the entry's terms weighted by tf·idf (title counts thrice)."""
    key = (practice.title, practice.summary, practice.body,
           practice.municipality.name if practice.municipality else "")
    cache = get_lexicon().derived_cache("similar-terms")  # empty when the dictionary changes
    counts = cache.get(key)
    if counts is None:
        if len(cache) >= MAX_CACHED:  # the oldest goes: edits make new texts all the time
            evict_oldest(cache)
        counts = cache[key] = entry_terms(*key)
    scored = []
    for term, frequency in counts:
        found, idf = view.doc_frequency_idf("body", term)
        if found:
            scored.append((frequency * idf, term))
    scored.sort(reverse=True)
    top = scored[:MAX_TERMS]
    if not top:
        return None
    highest = top[0][0]
    return wq.Or([wq.Term(field, term, boost=weight / highest * boost)
                  for weight, term in top for field, boost in (("title", 2.0), ("body", 1.0))])


def entry_terms(title: str, summary: str, body: str,
                municipality: str) -> tuple[tuple[str, int], ...]:
    """An entry's weighted term counts (kept per text by similar_query: analysing the
    whole text again on every entry page was a tenth of its time)."""
    analyzer = german_analyzer()
    counts: Counter = Counter()
    for text, weight in ((title, 3), (summary, 2), (plain_text(body)[:20_000], 1)):
        for token in analyzer(text):
            counts[token.text] += weight
    # The town's name is rare and so weighs most, but it names the place, not the approach:
    # without this, a town's other entries (LED lighting -> vacancy management) came first.
    for token in analyzer(municipality):
        counts.pop(token.text, None)
    return tuple((term, frequency) for term, frequency in counts.items()
                 if len(term) >= 3 and not term.isdigit())
