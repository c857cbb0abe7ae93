"""From what a person types to a Whoosh query, without Whoosh's query parser.

Whoosh's parser raises on inputs such as ``NOT NOT x`` and is slow on wildcards, ranges
and fuzzy syntax. Our own grammar knows only words, "quoted phrases" and -exclusions, so
every input gives a query in microseconds. Each word becomes a *concept*: its own stem, or
its compound parts, tail compounds, synonyms and (for words unknown to the index) bounded
fuzzy corrections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query as wq

from app.search.analysis import (
    HYPHENS,
    LINKERS,
    MORPHEMES,
    STOP_WORDS,
    WORD_RE,
    _read_words,
    compound,
    get_lexicon,
    normalize,
    stem,
)
from app.search.index import View

MAX_QUERY_CHARS = 500
MAX_CONCEPTS = 10
FIELD_BOOSTS = {"title": 3.0, "summary": 1.8, "body": 1.0, "lessons": 0.4, "meta": 0.8}
PHRASE_FIELDS = ("title", "summary", "body")
TAIL_WEIGHT = 0.7
PARTS_WEIGHT = 0.45
SYNONYM_WEIGHT = 0.55
FUZZY_WEIGHTS = {1: 0.6, 2: 0.4}
MAX_FUZZY = 3
LONE_PART_WEIGHT = 0.3
KNOWN_TAIL_WEIGHT = 0.35  # an unknown word's longest known ending ("Mehr|generationenhaus")
MIN_KNOWN_TAIL = 5
TAIL_SYNONYM_WEIGHT = 0.35  # synonyms of a compound's tail or hyphen piece ("E-|Ladestation")
PAIR_COMPOUND_WEIGHT = 1.5  # two typed words that form a compound in the entries
MAX_TAIL_SYNONYMS = 2
# A compound's parts stand for the whole only where they stand close together in one text
# field ("Dächern von Schule und Turnhalle" for "Turnhallendach"): at most this many
# positions apart. Parts scattered over an entry ("BioKlima-Programm" … "560 Tonnen" for
# "Biotonne") are a partial match. Only the best-scoring candidates are read (positions).
NEAR_WINDOW = 5
MAX_NEAR_CHECKS = 100

QUERY_STOP_WORDS = frozenset(normalize(w) for w in _read_words("query_stopwords.txt"))
# Generic words ("Gemeinde", "Stadt", "weniger") dropped when another content word remains.
WEAK_WORDS = frozenset(normalize(w) for w in _read_words("weak_words.txt"))
_PHRASE_RE = re.compile(r'"([^"]*)"')
_EXCLUDE_RE = re.compile(r"(?:^|\s)-(\w[\w-]*)")


@dataclass
class Concept:
    """One word (or a merged multi-word synonym) of the query."""

    text: str
    norm: str
    query: wq.Query | None
    terms: set[str] = field(default_factory=set)
    correction: str | None = None  # the closest known word when the word is unknown
    size: int = 1  # typed words it stands for (a pair is two)
    loose: wq.Query | None = None  # for partial matching: any of a pair's words
    partial: bool = False  # found by a part only (no entry has the whole compound) or not at all


@dataclass
class ParsedQuery:
    """A user's query, analysed; build() gives the Whoosh query for a matching mode."""

    concepts: list[Concept]
    phrases: list[wq.Query]
    excluded: list[wq.Query]
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.concepts and not self.phrases

    @property
    def partial(self) -> bool:
        """Whether some word is found only by a part of it, or not at all (partial at best)."""
        return any(c.partial for c in self.concepts)

    @property
    def terms(self) -> set[str]:
        """Every index term the query looks for (for highlighting)."""
        return set().union(*(c.terms for c in self.concepts)) if self.concepts else set()

    def build(self, mode: str) -> wq.Query:
        """mode "and": every word; "most": all words but one; "or": any word."""
        parts = [c.query for c in self.concepts if c.query is not None]
        if mode != "and" and len(parts) < 2:
            mode = "or"  # one pair of words: either word ("Starkregen Gefahrenkarte")
        if mode == "or":
            parts = [c.loose or c.query for c in self.concepts if c.query is not None]
        if mode == "and" or len(parts) < 2:
            query = wq.And(parts + self.phrases) if parts or self.phrases else wq.NullQuery
        elif mode == "most":
            query = wq.Or([wq.And(list(subset)) for subset in
                           combinations(parts, len(parts) - 1)])
            if self.phrases:
                query = wq.Or([query, *self.phrases])
        else:
            query = wq.Or(parts + self.phrases)
        if self.excluded:
            query = wq.AndNot(query, wq.Or(self.excluded))
        return query

    def modes(self) -> list[str]:
        """Matching modes to try in order: AND first, then gracefully looser."""
        count = sum(c.size for c in self.concepts if c.query is not None) + len(self.phrases)
        if count <= 1:
            return ["and"]
        if 3 <= count <= 6:
            return ["and", "most", "or"]
        return ["and", "or"]


class Synonyms:
    """The synonym file: each stem key → alternative expressions (tuples of words)."""

    def __init__(self, lines: list[str]):
        self.single: dict[str, set[tuple[str, ...]]] = {}
        self.multi: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        self.words: set[str] = set()
        for line in lines:
            if "=>" in line:
                left, right = line.split("=>", 1)
                self._add([left], [e for e in right.split(",") if e.strip()])
            else:
                entries = [e for e in line.split(",") if e.strip()]
                self._add(entries, entries)

    @staticmethod
    def key(expression: str) -> tuple[str, ...]:
        """Stems of the words of an expression ("öffentlicher Nahverkehr" → two stems)."""
        words = [normalize(w) for w in WORD_RE.findall(expression.lower())]
        return tuple(stem(w.replace("-", "")) for w in words
                     if w.replace("-", "") not in STOP_WORDS)

    def _add(self, sources: list[str], targets: list[str]) -> None:
        for entry in (*sources, *targets):
            words = WORD_RE.findall(entry.lower())
            if len(words) == 1:
                self.words.add(normalize(words[0]).replace("-", ""))
        target_keys = [k for k in (self.key(t) for t in targets) if k]
        for source in sources:
            source_key = self.key(source)
            if not source_key:
                continue
            table = self.single if len(source_key) == 1 else self.multi
            bucket = table.setdefault(source_key[0] if len(source_key) == 1 else source_key, set())
            bucket.update(k for k in target_keys if k != source_key)

    def of(self, stem_key: str) -> set[tuple[str, ...]]:
        return self.single.get(stem_key, set())


def synonyms() -> Synonyms:
    """The synonym list from the database, re-read when it changed (synonym_store)."""
    from app.search.synonym_store import current_synonyms

    return current_synonyms()


class QueryBuilder:
    """Builds concept queries against one searcher view."""

    def __init__(self, view: View, members: bool = False):
        from app.search.engine import engine_for

        self.view = view
        self.members = members
        self.engine = engine_for(view)
        # What this caller may see decides what a word "is known" as and what it is
        # corrected to: words of members-only entries never show through to others.
        self.visible = self.engine.columns.live if members else self.engine.columns.public

    def has(self, name: str, term: str) -> bool:
        """Whether a visible entry has the term in this field."""
        ids = self.engine.postings(name, term)[0]
        return bool(len(ids)) and bool(self.visible[ids].any())

    def any_field(self, term: str, weight: float, fields=FIELD_BOOSTS) -> wq.Query | None:
        """The term in any text field that has it, with field boosts."""
        terms = [wq.Term(name, term, boost=weight * FIELD_BOOSTS[name]) for name in fields
                 if self.has(name, term)]
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    def all_of(self, stems: tuple[str, ...], weight: float) -> wq.Query | None:
        """Every stem somewhere (a multi-word synonym or a compound's parts)."""
        parts = [self.any_field(s, weight) for s in stems]
        if not parts or any(p is None for p in parts):
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def known(self, term: str) -> bool:
        """Whether an entry this caller may see has the term."""
        if not self.view.has_term(term):
            return False
        return any(self.has(name, term) for name in FIELD_BOOSTS)

    def concept(self, text: str) -> Concept:
        """The query for one typed word."""
        norm = normalize(text.lower())
        joined, atoms_raw, tails_raw = compound(norm)
        # A word the splitter cuts into known words is a compound nobody wrote, not a typo:
        # it is corrected only to a spelling of the same parts ("Hitzeaktion|s|plan"), not
        # to some other word ("Biotonne" is no "Biotope").
        same_parts = atoms_raw if len(atoms_raw) >= 2 and not HYPHENS.search(norm) else None
        if not atoms_raw and not self.known(stem(joined)):
            atoms_raw = known_head(joined)
        full = stem(joined)
        atoms = [stem(a) for a in atoms_raw if a not in STOP_WORDS]
        tails = [stem(t) for t in tails_raw]
        concept = Concept(text=text, norm=norm, query=None, terms={full})
        options: list[wq.Query | None] = [self.any_field(full, 1.0)]
        options += [self.any_field(t, TAIL_WEIGHT) for t in tails]
        concept.terms.update(tails)
        parts, part_terms = None, []
        if len(atoms) >= 2:
            parts, part_terms = self._parts(atoms, concept)
            options.append(parts)
        for expression in synonyms().of(full):
            options.append(self.all_of(expression, SYNONYM_WEIGHT))
            concept.terms.update(expression)
        if not synonyms().of(full):
            # The longest tails and hyphen pieces bring their synonyms ("E-|Ladestation").
            for tail in sorted(set(tails), key=len, reverse=True)[:MAX_TAIL_SYNONYMS]:
                for expression in synonyms().of(tail):
                    options.append(self.all_of(expression, TAIL_SYNONYM_WEIGHT))
                    concept.terms.update(expression)
        known = self.known(full)
        corrections = self._fuzzy(norm, concept, same_parts) if not (
            known or synonyms().of(full)) else []
        options += corrections
        if not known and not atoms and not any(o is not None for o in corrections):
            head, tail_options = self._known_tail(joined, concept)
            if tail_options and not self._matches_any([o for o in options if o is not None]):
                # Only the ending is known: the beginning the splitter could not cut off is
                # a word no visible entry has ("Einheimischen|modell"), unless it is a stop
                # word ("Mehr|generationenhaus").
                concept.partial = head not in STOP_WORDS | MORPHEMES
            options += tail_options
        options = [o for o in options if o is not None]
        if len(atoms) >= 2 and not self._matches_any(options):
            # No entry has the whole compound: any of its pieces ("Bio-Lebensmittel") or
            # its halves ("Leitbild|prozess"), weakly; a longer part says more. A lone
            # part must carry at least half of the word: "Wasser" does not stand in for
            # "Wasserstofftankstelle".
            pieces = [p for p in HYPHENS.split(norm) if len(p) >= 3]
            alone = pieces if len(pieces) > 1 else halves(atoms_raw)
            options = []
            for part in dict.fromkeys(alone):
                weight = LONE_PART_WEIGHT * (0.5 + len(part) / max(len(joined), 1))
                options.append(self.any_field(stem(part), weight))
                for expression in synonyms().of(stem(part)):
                    options.append(self.all_of(expression, weight * SYNONYM_WEIGHT))
                    concept.terms.update(expression)
                # A half of several parts also counts written apart: "Abwasser|wärme|nutzung"
                # finds "Wärme aus dem Abwasserkanal" (still a partial match).
                half_atoms = [stem(a) for a in compound(part)[1] if a not in STOP_WORDS]
                if len(half_atoms) >= 2 and len(pieces) <= 1:
                    options.append(self._parts(half_atoms, concept)[0])
            options = [o for o in options if o is not None]
            concept.partial = True
        elif parts is not None and not self._matches_any(
                [o for o in options if o is not parts]) and not self._near(parts, part_terms):
            # Only the parts are found, and nowhere close together: no entry has the whole.
            concept.partial = True
        if len(HYPHENS.split(norm)) > 1 and not concept.partial:
            # Each piece of a hyphenated word is a word the reader typed: one that no visible
            # entry has in any form makes the match partial ("Foodsharing-Kühlschrank"), as
            # it would as a separate word.
            concept.partial = any(self.concept(piece).partial for piece in HYPHENS.split(norm)
                                  if len(piece) >= 3 and piece.isalpha()
                                  and piece not in STOP_WORDS)
        if options:
            concept.query = options[0] if len(options) == 1 else wq.Or(options)
        else:
            # No visible entry has the word in any form: entries with the other words
            # match only a part of the query ("Quokka Blühwiese").
            concept.partial = True
        return concept

    def _known_tail(self, word: str, concept: Concept) -> tuple[str, list[wq.Query | None]]:
        """An unknown word's longest ending the index knows ("mehr|generationenhaus"), and
        the beginning cut off.

        The splitter cannot cut off a stop word or an unknown beginning, so the longest
        known tail compound (at least MIN_KNOWN_TAIL letters) stands in for the word, weakly.
        """
        word = HYPHENS.sub("", word)
        if not word.isalpha():
            return "", []
        for start in range(3, len(word) - MIN_KNOWN_TAIL + 1):
            tail = stem(word[start:])
            if len(tail) >= MIN_KNOWN_TAIL - 1 and self.known(tail):
                concept.terms.add(tail)
                options = [self.any_field(tail, KNOWN_TAIL_WEIGHT)]
                for expression in synonyms().of(tail):
                    options.append(self.all_of(expression, KNOWN_TAIL_WEIGHT * SYNONYM_WEIGHT))
                    concept.terms.update(expression)
                return word[:start], options
        return "", []

    def compound_of(self, first: str, second: str) -> str | None:
        """The stem of a compound two typed words form ("Fläche verbrauchen" → flächenverbrauch).

        Known when an entry has it or the synonym list names it; linking elements and
        inflected forms of both words are tried.
        """
        one, two = normalize(first.lower()), normalize(second.lower())
        if not (one.isalpha() and two.isalpha()) or len(one) < 3 or len(two) < 3:
            return None
        # Questions invert the order ("Wie sparen wir Fläche?" → flächensparen).
        for left, right in ((one, two), (two, one)):
            heads = dict.fromkeys([left, stem(left), left[:-1] if left.endswith("e") else left])
            ends = dict.fromkeys([right, stem(right)])
            for head in heads:
                for linker in ("", *LINKERS):
                    for end in ends:
                        candidate = stem(head + linker + end)
                        if candidate in synonyms().single or self.known(candidate):
                            return candidate
        return None

    def _matches_any(self, options: list[wq.Query]) -> bool:
        """Whether any of these queries finds at least one entry."""
        return any((self.engine.evaluate(o)[0] & self.visible).any() for o in options)

    def _parts(self, atoms: list[str], concept: Concept
               ) -> tuple[wq.Query | None, list[set[str]]]:
        """All parts of a compound, each also as its synonyms ("PV-Pflicht"); and per part
        the single terms that stand for it (for _near)."""
        groups, terms = [], []
        for atom in atoms:
            alternatives = [self.any_field(atom, PARTS_WEIGHT)]
            words = {atom}
            for expression in synonyms().of(atom):
                alternatives.append(self.all_of(expression, PARTS_WEIGHT * 0.8))
                concept.terms.update(expression)
                if len(expression) == 1:
                    words.add(expression[0])
            alternatives = [a for a in alternatives if a is not None]
            if not alternatives:
                return None, []
            groups.append(alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives))
            terms.append(words)
            concept.terms.add(atom)
        return wq.And(groups), terms

    def _near(self, parts: wq.Query, terms: list[set[str]]) -> bool:
        """Whether a visible entry has a term of every part within NEAR_WINDOW positions of
        the others in one text field (a compound written out: "Dach der Turnhalle")."""
        mask, scores = self.engine.evaluate(parts)
        ids = np.flatnonzero(mask & self.visible)
        if not len(ids):
            return False
        ids = np.sort(ids[np.argsort(-scores[ids], kind="stable")[:MAX_NEAR_CHECKS]])
        for name in PHRASE_FIELDS:
            found = [self._positions(name, words, ids) for words in terms]
            for doc in set.intersection(*(set(f) for f in found)):
                if _window([f[doc] for f in found]) <= NEAR_WINDOW:
                    return True
        return False

    def _positions(self, name: str, words: set[str], ids: np.ndarray) -> dict[int, list[int]]:
        """Positions of any of these terms in one field of the given (sorted) entries."""
        found: dict[int, list[int]] = {}
        for word in words:
            if self.has(name, word):
                self.view.positions(name, word, ids, found)
        return found

    def _fuzzy(self, norm: str, concept: Concept,
               same_parts: list[str] | None = None) -> list[wq.Query | None]:
        """Known words within a small edit distance, for a word the index does not know
        (for a compound of known words: only those made of the same parts)."""
        word = HYPHENS.sub("", norm)
        if len(word) < 5 or not word.isalpha():
            return []
        max_distance = 1 if len(word) <= 7 else 2
        buckets = self.view.cached(("fuzzy-buckets", synonyms().stamp),
                                   lambda: _buckets(self.view))
        choices = buckets.get(word[0], [])
        found = process.extract(word, choices, scorer=OSA.distance,
                                score_cutoff=max_distance, limit=20)
        vocabulary = self.view.vocabulary
        counts = vocabulary.counts(public_only=not self.members)
        found = [item for item in found
                 if counts.get(item[0]) or item[0] in synonyms().words]
        if same_parts is not None:
            parts = [stem(a) for a in same_parts]
            found = [item for item in found if [stem(a) for a in compound(item[0])[1]] == parts]
        found.sort(key=lambda item: (item[1], -counts.get(item[0], 0), item[0]))
        options = []
        for candidate, distance, _ in found[:MAX_FUZZY]:
            term = stem(candidate)
            if concept.correction is None and counts.get(candidate):
                concept.correction = vocabulary.surface(candidate, public_only=not self.members)
            if term in concept.terms:
                continue
            weight = FUZZY_WEIGHTS.get(int(distance), 0.3)
            options.append(self.any_field(term, weight))
            for expression in synonyms().of(term):
                options.append(self.all_of(expression, weight * SYNONYM_WEIGHT))
                concept.terms.update(expression)
            concept.terms.add(term)
        return options

    def phrase(self, text: str) -> tuple[wq.Query | None, set[str]]:
        """A quoted phrase: the words' stems in order (stop words leave a gap)."""
        words = [normalize(w) for w in WORD_RE.findall(text.lower())]
        stems = [stem(w.replace("-", "")) for w in words if w not in STOP_WORDS]
        if not stems:
            return None, set()
        if len(stems) == 1:
            return self.any_field(stems[0], 1.0), set(stems)
        phrases = [wq.Phrase(name, stems, slop=2, boost=FIELD_BOOSTS[name])
                   for name in PHRASE_FIELDS]
        return wq.Or(phrases), set(stems)


def _window(positions: list[list[int]]) -> int:
    """The shortest span of positions that holds one position of every list."""
    events = sorted((pos, group) for group, items in enumerate(positions) for pos in items)
    count: dict[int, int] = {}
    best, start = 1 << 30, 0
    for pos, group in events:
        count[group] = count.get(group, 0) + 1
        while len(count) == len(positions):
            first, first_group = events[start]
            best = min(best, pos - first)
            count[first_group] -= 1
            if not count[first_group]:
                del count[first_group]
            start += 1
    return best


def halves(atoms: list[str]) -> list[str]:
    """The parts of a compound that keep at least half of its atoms and letters."""
    count, letters = len(atoms), len("".join(atoms))
    parts = ["".join(atoms[:k]) for k in range(1, count) if 2 * k >= count]
    parts += ["".join(atoms[k:]) for k in range(1, count) if 2 * (count - k) >= count]
    return sorted((p for p in parts if len(p) >= 4 and 2 * len(p) >= letters),
                  key=len, reverse=True)


def known_head(word: str) -> list[str]:
    """An unknown word as its longest known beginning and the rest ("Leitbild|prozess")."""
    lexicon = get_lexicon()
    for end in range(len(word) - 4, 4, -1):
        if lexicon.known(word[:end], final=False):
            return [word[:end], word[end:]]
    return []


def _buckets(view: View) -> dict[str, list[str]]:
    """Corpus and synonym-list words by first letter, for bounded fuzzy matching."""
    buckets: dict[str, list[str]] = {}
    for word in sorted(set(view.vocabulary.counts()) | synonyms().words):
        if len(word) >= 4:
            buckets.setdefault(word[0], []).append(word)
    return buckets


def split_input(text: str) -> tuple[list[str], list[str], list[str]]:
    """Phrases, excluded words and plain words of the raw input."""
    phrases = _PHRASE_RE.findall(text)
    rest = _PHRASE_RE.sub(" ", text)
    excluded = _EXCLUDE_RE.findall(rest)
    rest = _EXCLUDE_RE.sub(" ", rest)
    return phrases, excluded, WORD_RE.findall(rest)


def content_words(words: list[str]) -> list[str]:
    """Words without stop and question words; all words if nothing else is left."""
    kept = [w for w in words
            if normalize(w.lower()) not in STOP_WORDS | QUERY_STOP_WORDS and len(w) > 1]
    strong = [w for i, w in enumerate(kept)
              if normalize(w.lower()) not in WEAK_WORDS or _in_pair(kept, i)]
    if strong:
        kept = strong
    return kept or [w for w in words if len(w) > 1]


def _in_pair(words: list[str], i: int) -> bool:
    """Whether a word forms a multi-word synonym with a neighbour ("kühle Orte")."""
    return bool((i > 0 and pair_keys(words[i - 1], words[i]))
                or (i + 1 < len(words) and pair_keys(words[i], words[i + 1])))


def pair_keys(first: str, second: str) -> list[tuple[str, ...]]:
    """Two-word synonym keys a word pair may form, also through the first word's last part."""
    keys = [Synonyms.key(f"{first} {second}"), Synonyms.key(f"{second} {first}")]  # questions
    _full, atoms, _tails = compound(normalize(first.lower()))
    if atoms:
        keys.append(Synonyms.key(f"{atoms[-1]} {second}"))
    return [k for k in keys if k in synonyms().multi]


def build_concepts(builder: QueryBuilder, words: list[str]) -> list[Concept]:
    """One concept per word; a pair forming a multi-word synonym ("Blauer Engel") or a
    compound ("Flächen sparen" → "Flächensparen") is one."""
    concepts: list[Concept] = []
    index = 0
    while index < len(words):
        if index + 1 < len(words):
            keys = pair_keys(words[index], words[index + 1])
            joined = builder.compound_of(words[index], words[index + 1])
            if keys or joined:
                concepts.append(pair_concept(builder, words[index], words[index + 1], keys,
                                             joined))
                index += 2
                continue
        concepts.append(builder.concept(words[index]))
        index += 1
    return concepts


def pair_concept(builder: QueryBuilder, first: str, second: str,
                 keys: list[tuple[str, ...]], joined: str | None = None) -> Concept:
    """Both words, or the compound they form, or one of the synonyms of the pair."""
    one, two = builder.concept(first), builder.concept(second)
    concept = Concept(text=f"{first} {second}", norm=normalize(f"{first} {second}".lower()),
                      query=None, terms=one.terms | two.terms, size=2)
    options = [wq.And([one.query, two.query]) if one.query and two.query else None]
    if joined:
        options.append(builder.any_field(joined, PAIR_COMPOUND_WEIGHT))
        concept.terms.add(joined)
        for expression in synonyms().of(joined):
            options.append(builder.all_of(expression, PAIR_COMPOUND_WEIGHT * SYNONYM_WEIGHT))
            concept.terms.update(expression)
    for key in keys:
        for expression in synonyms().multi[key]:
            options.append(builder.all_of(expression, SYNONYM_WEIGHT))
            concept.terms.update(expression)
    options = [o for o in options if o is not None]
    if options:
        concept.query = options[0] if len(options) == 1 else wq.Or(options)
        # Partial matching may take either word of a compound pair alone; a fixed
        # expression ("kühle Orte", "Blauer Engel") stays whole.
        if not keys:
            concept.loose = wq.Or([o for o in (*options, one.query, two.query) if o is not None])
    return concept


def parse_query(text: str, view: View, members: bool = False) -> ParsedQuery:
    """Analyse the raw input into concepts, phrases and exclusions, for a caller who may
    see members-only entries or not."""
    builder = QueryBuilder(view, members)
    raw_phrases, raw_excluded, raw_words = split_input(text)
    words = content_words(raw_words)
    truncated = len(words) > MAX_CONCEPTS
    concepts = build_concepts(builder, words[:MAX_CONCEPTS])
    phrases: list[wq.Query] = []
    for raw in raw_phrases[:MAX_CONCEPTS]:
        phrase, terms = builder.phrase(raw)
        if terms:
            # A phrase nobody wrote matches nothing; it still takes part in the AND.
            phrases.append(phrase if phrase is not None else wq.NullQuery)
            concepts.append(Concept(text=raw, norm=raw, query=None, terms=terms))
    excluded = [q for q in (builder.any_field(stem(normalize(w.lower()).replace("-", "")), 1.0)
                            for w in raw_excluded[:MAX_CONCEPTS]) if q is not None]
    return ParsedQuery(concepts=concepts, phrases=phrases, excluded=excluded, truncated=truncated)
