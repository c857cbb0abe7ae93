"""'Similar approaches': the most telling terms of an entry as a ranked OR query."""

from __future__ import annotations

from collections import Counter

from whoosh import query as wq

from app.practices.models import Practice
from app.search.analysis import german_analyzer
from app.search.documents import plain_text
from app.search.index import View

MAX_TERMS = 25


def similar_query(view: View, practice: Practice) -> wq.Query | None:
    """An OR over the entry's terms weighted by tf·idf (title counts thrice)."""
    analyzer = german_analyzer()
    counts: Counter = Counter()
    for text, weight in ((practice.title, 3), (practice.summary, 2),
                         (plain_text(practice.body)[:20_000], 1)):
        for token in analyzer(text):
            counts[token.text] += weight
    # The town's name is rare and so weighs most, but it names the place, not the approach:
    # without this, a town's other entries (LED lighting -> vacancy management) came first.
    for token in analyzer(practice.municipality.name if practice.municipality else ""):
        counts.pop(token.text, None)
    searcher = view.searcher
    scored = []
    for term, frequency in counts.items():
        if len(term) < 3 or term.isdigit() or not searcher.doc_frequency("body", term):
            continue
        scored.append((frequency * searcher.idf("body", term), term))
    scored.sort(reverse=True)
    top = scored[:MAX_TERMS]
    if not top:
        return None
    highest = top[0][0]
    return wq.Or([wq.Term(field, term, boost=weight / highest * boost)
                  for weight, term in top for field, boost in (("title", 2.0), ("body", 1.0))])
