"""German text analysis: normalisation, decompounding and stemming for index and query.

The chain is tokenizer → lower case → German normalisation → decompounding → stop words →
Snowball stemmer. Normalising before splitting makes the splitter independent of the
spelling (``Waermeplanung`` splits like ``Wärmeplanung``). Every filter is a plain
module-level class without state of its own, so the schema pickles cleanly; the compound
dictionary is process state set by the index (see ``set_lexicon``).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import Stemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer

DATA_DIR = Path(__file__).resolve().parent / "data"

# Words, optionally joined by hyphens ("E-Auto", "Gemeinwohl-Bilanz", "CO2-Bilanz").
WORD_PATTERN = r"\w+(?:[-‐‑]\w+)*"
WORD_RE = re.compile(WORD_PATTERN)
HYPHENS = re.compile(r"[-‐‑]")
MAX_DIGEST_LINES = 300_000  # words whose analysis line analysis_digest keeps
MAX_TERMS_CACHED = 300_000  # words whose index terms a dictionary keeps
PLAIN_WORD = re.compile(r"[^\W\d_]{2,}")  # the words of the corpus vocabulary

# Linking elements (Fugenelemente) allowed between the parts of a compound.
LINKERS = ("s", "es", "n", "en", "e", "er", "ns")
MIN_PART = 4  # shorter parts must come from the curated morpheme list
MIN_COMPOUND = 6
MAX_COMPOUND = 40  # longer "words" are not split (the search is quadratic in length)


def _read_words(name: str) -> list[str]:
    """Lines of a data file without comments and blanks."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


# Sub- and superscript digits as typed digits: "CO₂" is found by "CO2", "m²" by "m2".
_SCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789")


@lru_cache(maxsize=500_000)
def normalize(word: str) -> str:
    """German normalisation as Lucene's GermanNormalizationFilter, plus ph → f.

    ä/ae → a, ö/oe → o, ü/ue → u (not in "que", "aue"), ß → ss; CO₂ → co2.
    """
    word = word.translate(_SCRIPT_DIGITS)
    out: list[str] = []
    state = "N"  # N: after consonant, V: after vowel, U: after a/o/u that may be an umlaut
    for char in word:
        if char in "ao":
            state = "U"
        elif char == "u":
            state = "U" if state == "N" else "V"
        elif char == "e":
            if state == "U":
                state = "V"
                continue
            state = "V"
        elif char in "iqy":
            state = "V"
        elif char in "äöü":
            char = {"ä": "a", "ö": "o", "ü": "u"}[char]
            state = "V"
        elif char == "ß":
            char = "ss"
            state = "N"
        else:
            state = "N"
        out.append(char)
    return "".join(out).replace("ph", "f")


STOP_WORDS = frozenset(normalize(w) for w in _read_words("stopwords.txt"))
MORPHEMES = frozenset(normalize(w) for w in _read_words("morphemes.txt"))

_stemmer_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    """One PyStemmer instance per thread (instances are not thread-safe)."""
    stemmer = getattr(_stemmer_local, "stemmer", None)
    if stemmer is None:
        stemmer = _stemmer_local.stemmer = Stemmer.Stemmer("german")
    return stemmer


def _fold_plural(result: str) -> str:
    """Plural classes Snowball leaves apart, folded on its stem (measured against the
    Wiktionary noun lexicon ``german-nouns`` in tests/test_plurals_lexicon.py: 95.2 % of
    nominative plurals meet their singular, 90.8 % without these rules).

    The rules rewrite the stem, never the word, so forms that already met still meet; at
    most one applies, and only above a minimum length:

    - a final "s" after a, o or y (Autos → auto, Kameras, Hobbys; Erlös and Erlöse alike);
    - -inn → -in (Ärztinnen → arztin; not Sinn or Zinn, which is no Zins);
    - Latin and Greek nouns whose plural Snowball stems without the ending: -ium/-eum/-trum
      (Gymnasien, Museen, Zentren), -ma (Themen, Firmen), -ismus (Mechanismen), -sis/-xis
      (Basen, Praxen).

    Against the lexicon they newly merge 40 pairs of different nouns (Kalium/Kali,
    Taxe/Taxis, ...) while 3,620 plurals newly meet their singular.
    """
    if len(result) < 5:
        return result
    if result.endswith(("xis", "ismus")) or (result.endswith("sis") and result[-4] != "s"):
        return result[:-2]
    if result[-1] == "s" and result[-2] in "aoy":
        return result[:-1]
    if result.endswith(("ium", "eum", "trum")) and len(result) >= 6:
        return result[:-2]
    if result.endswith("ma"):
        return result[:-1]
    if result.endswith("inn") and len(result) >= 7:
        return result[:-1]
    return result


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball German stem of a normalised word; a final "ss" becomes "s" (Busse → Bus),
    and a few plural classes meet their singular (see ``_fold_plural``)."""
    if not word.isalpha():
        return word
    result = _stemmer().stemWord(word)
    if result.endswith("ss"):
        result = result[:-1]
    return _fold_plural(result) if result else word


def evict_oldest(cache: dict) -> None:
    """Forget a bounded cache's oldest entry (insertion order); another thread may be
    changing the same dict, in which case another entry goes or none."""
    with contextlib.suppress(RuntimeError, KeyError):
        cache.pop(next(iter(cache), None), None)


def containing_at(texts: list[str], pieces: Iterable[str]) -> set[int]:
    """Positions of the texts (single lines) that contain any of the pieces."""
    if not texts:
        return set()
    haystack = "\n".join(texts)
    starts = list(itertools.accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    found: set[int] = set()
    for piece in pieces:
        position = haystack.find(piece)
        while position >= 0:
            found.add(bisect.bisect_right(starts, position) - 1)
            position = haystack.find(piece, position + 1)
    return found


def containing(texts: list[str], pieces: Iterable[str]) -> set[str]:
    """The texts (single lines) that contain any of the pieces."""
    return {texts[i] for i in containing_at(texts, pieces)}


@dataclass
class Lexicon:
    """The splitter's dictionary: curated morphemes plus the corpus's own words."""

    words: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    cache: dict[str, tuple[str, ...]] = field(default_factory=dict)  # normalised -> atoms
    # lower-case word -> (its normalised form, its index terms)
    terms_cache: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    derived: dict = field(default_factory=dict)  # other results of this dictionary's splits
    # (the predecessor's derived caches, the lower-case words it analysed otherwise)
    inherited: tuple[dict, frozenset[str]] | None = None

    @classmethod
    def build(cls, corpus_words: Iterable[str]) -> Lexicon:
        """A lexicon from normalised corpus words (stop words are never parts)."""
        return cls.of_parts(cls.parts(corpus_words))

    @classmethod
    def of_parts(cls, words: set[str]) -> Lexicon:
        return cls(words=words, stems={stem(w) for w in words if len(stem(w)) >= MIN_PART})

    @staticmethod
    def parts(corpus_words: Iterable[str]) -> set[str]:
        """The words a lexicon of these corpus words splits compounds into."""
        words = {w for w in corpus_words if len(w) >= MIN_PART and w.isalpha()}
        words |= MORPHEMES
        words -= STOP_WORDS
        return words

    def copy(self) -> Lexicon:
        """A snapshot of the dictionary (without caches)."""
        return Lexicon(words=set(self.words), stems=set(self.stems))

    def rebuild(self, corpus_words: Iterable[str]) -> None:
        """Become the lexicon of these words, in place (changed splits are recomputed)."""
        words = Lexicon.parts(corpus_words)
        if words != self.words:
            before = (self.words, self.stems, self.cache, self.terms_cache, self.derived)
            fresh = Lexicon.of_parts(words)
            self.words, self.stems = fresh.words, fresh.stems
            self._carry_over(*before)

    def successor(self, words: set[str]) -> Lexicon:
        """The lexicon of these dictionary words, with what this one computed that stays."""
        fresh = Lexicon.of_parts(words)
        fresh._carry_over(self.words, self.stems, self.cache, self.terms_cache, self.derived)
        return fresh

    def _carry_over(self, words: set[str], stems: set[str], cache: dict, terms_cache: dict,
                    derived: dict) -> None:
        """Keep what the dictionary (words, stems) computed for words containing none of
        the parts that came or went: only those can split otherwise (sync.resplit_words
        relies on the same). Under a 5 % share of edits, one bringing a new word every
        second made every process split every word of every result page again."""
        changed = (words ^ self.words) | (stems ^ self.stems)
        splits = list(cache.items())  # copies made at once: other threads may still add
        split_again = containing([word for word, _ in splits], changed)
        self.cache = {word: atoms for word, atoms in splits if word not in split_again}
        analysed = list(terms_cache.items())
        affected = frozenset(analysed[i][0] for i in containing_at(
            [normalised for _, (normalised, _terms) in analysed], changed))
        self.terms_cache = {word: entry for word, entry in analysed if word not in affected}
        self.derived, self.inherited = {}, (derived, affected)

    def derived_cache(self, name: str, still_valid=None) -> dict:
        """A cache of results of this dictionary's analysis. After a change of the
        dictionary, the predecessor's entries that `still_valid(key, value, affected)`
        accepts are kept; `affected` are the lower-case words now analysed otherwise."""
        cache = self.derived.get(name)
        if cache is None:
            inherited = self.inherited
            earlier = list(inherited[0].get(name, {}).items()) if inherited and still_valid else []
            cache = {key: value for key, value in earlier
                     if still_valid(key, value, inherited[1])}
            cache = self.derived.setdefault(name, cache)
        return cache

    def known(self, part: str, final: bool) -> bool:
        """Whether a part may stand in a compound (a final part may be inflected)."""
        if part in MORPHEMES:
            return True
        if len(part) < MIN_PART:
            return False
        if part in self.words or part in self.stems:
            return True
        return final and stem(part) in self.stems

    def split(self, word: str) -> tuple[str, ...]:
        """The atoms of a normalised compound, or () when it is not one; cached per word."""
        cached = self.cache.get(word)
        if cached is None:
            splittable = MIN_COMPOUND <= len(word) <= MAX_COMPOUND
            cached = self.cache[word] = self._split(word) if splittable else ()
        return cached

    def _split(self, word: str) -> tuple[str, ...]:
        """Fewest-parts segmentation into known parts, longer parts preferred."""
        n = len(word)
        # best[i]: (parts, -longest, atoms) for word[i:], or None
        best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (n + 1)
        best[n] = (0, 0, ())
        for start in range(n - 1, -1, -1):
            for end in range(n, start, -1):
                rest = best[end]
                if rest is None or (start == 0 and end == n):
                    continue
                part = self._part(word[start:end], final=end == n)
                if part is None:
                    continue
                candidate = (rest[0] + 1, -max(len(part), -rest[1]), (part, *rest[2]))
                if best[start] is None or candidate[:2] < best[start][:2]:
                    best[start] = candidate
        found = best[0]
        return found[2] if found and found[0] >= 2 else ()

    def _part(self, piece: str, final: bool) -> str | None:
        """The piece as a part, with a linking element removed where needed."""
        if final and len(piece) < 3:
            return None
        if self.known(piece, final):
            return piece
        if not final:
            for linker in LINKERS:
                base = piece[: -len(linker)]
                if piece.endswith(linker) and len(base) >= 3 and self.known(base, False):
                    return base
        return None


_lexicon = Lexicon.build(())


def set_lexicon(lexicon: Lexicon) -> None:
    """Use this dictionary for splitting compounds from now on (index open/refresh)."""
    global _lexicon
    _lexicon = lexicon


def get_lexicon() -> Lexicon:
    return _lexicon


def compound(normalised: str, lexicon: Lexicon | None = None) -> tuple[str, list[str], list[str]]:
    """The joined full word, its atoms and its tail compounds ("nahwarmenetz" → "warmenetz")."""
    lexicon = lexicon or _lexicon
    pieces = [p for p in HYPHENS.split(normalised) if p]
    if len(pieces) > 1:
        atoms: list[str] = []
        for piece in pieces:
            atoms.extend(lexicon.split(piece) or (piece,))
        full = "".join(pieces)
    else:
        full = normalised
        atoms = list(lexicon.split(normalised))
    if len(atoms) < 2:
        return full, [], []
    tails = ["".join(atoms[i:]) for i in range(1, len(atoms) - 1)]
    if len(pieces) > 1:
        tails += [p for p in pieces if p not in atoms]
    return full, atoms, tails


def word_forms(normalised: str, lexicon: Lexicon | None = None) -> list[str]:
    """The full word, then its atoms and tail compounds, without repeats."""
    full, atoms, tails = compound(normalised, lexicon)
    return list(dict.fromkeys([full, *atoms, *tails]))


def is_stop_word(word: str) -> bool:
    return word in STOP_WORDS or len(word) < 2


def word_terms(lower: str, lexicon: Lexicon | None = None) -> tuple[str, ...]:
    """Index terms of one lower-cased word: the whole chain, cached per word and dictionary."""
    lexicon = lexicon or _lexicon
    cached = lexicon.terms_cache.get(lower)
    if cached is not None:
        return cached[1]
    normalised = normalize(lower)
    forms = word_forms(normalised, lexicon)
    terms = tuple(dict.fromkeys(stem(f) for f in forms if not is_stop_word(f)))
    if len(lexicon.terms_cache) > MAX_TERMS_CACHED:
        # What derived caches hold was analysed through this cache, which is how a change
        # of the dictionary finds what it affects (Lexicon._carry_over): they go too.
        lexicon.terms_cache.clear()
        lexicon.derived, lexicon.inherited = {}, None
    lexicon.terms_cache[lower] = (normalised, terms)
    return terms


class GermanNormalizeFilter(Filter):
    """ä/ae/a, ö/oe/o, ü/ue/u and ß/ss all meet (see ``normalize``)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            token.text = normalize(token.text)
            yield token


class DecompoundFilter(Filter):
    """Emit a compound's parts and tail compounds at the compound's own position."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            forms = word_forms(token.text)
            for form in forms:
                token.text = form
                yield token


class GermanStopFilter(Filter):
    """Drop stop words without renumbering, so parts keep their compound's position."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            if not is_stop_word(token.text):
                yield token


class GermanStemFilter(Filter):
    """Snowball German stemmer (PyStemmer), cached per word."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            token.text = stem(token.text)
            yield token


class GermanFilter(Filter):
    """Normalise, decompound, drop stop words and stem in one step, cached per word.

    Gives exactly what GermanNormalizeFilter | DecompoundFilter | GermanStopFilter |
    GermanStemFilter give, without a generator per filter and token (indexing speed).
    """

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            for term in word_terms(token.text):
                token.text = term
                yield token


def german_analyzer():
    """The analyzer of every text field: tokenizer → lower case → German chain."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | GermanFilter()


def german_analyzer_stepwise():
    """The same analysis as separate filters (for tests and for reading)."""
    return (RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | GermanNormalizeFilter()
            | DecompoundFilter() | GermanStopFilter() | GermanStemFilter())


def document_words(*texts: str) -> set[str]:
    """The distinct lower-case plain words of a document's texts (its vocabulary share)."""
    words: set[str] = set()
    for text in texts:
        words.update(PLAIN_WORD.findall((text or "").lower()))
    return words


def corpus_words(text: str) -> Iterator[str]:
    """Normalised words of a text (hyphenated words as their pieces), for the lexicon."""
    for match in WORD_RE.finditer(text.lower()):
        for piece in HYPHENS.split(match.group()):
            if piece:
                yield normalize(piece)


def analysis_digest(texts: Iterable[str], lexicon: Lexicon | None = None) -> str:
    """A fingerprint of how these texts are analysed (changes when a word splits otherwise)."""
    words: set[str] = set()
    for text in texts:
        words.update(WORD_RE.findall((text or "").lower()))
    lexicon = lexicon or _lexicon
    lines = lexicon.derived_cache(  # word -> "word:its terms"
        "digest_lines", lambda word, _line, affected: word not in affected)
    parts = []
    for word in sorted(words):
        line = lines.get(word)
        if line is None:
            line = lines[word] = f"{word}:{' '.join(word_terms(word, lexicon))}"
            if len(lines) > MAX_DIGEST_LINES:
                evict_oldest(lines)
        parts.append(line)
    # A change detector, not a security measure.
    return hashlib.sha1("\n".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def index_terms(text: str) -> set[str]:
    """All terms the analyzer makes of a text (used for highlighting and similarity)."""
    return {token.text for token in german_analyzer()(text)}
