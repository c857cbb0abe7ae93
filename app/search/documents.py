"""From a practice to its index document: what is searched, filtered, sorted and shown."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.practices.models import STATUS_LABELS, Practice
from app.search.analysis import analysis_digest, document_words

# Sections whose text counts as lessons learned (besides experience reports).
LESSON_HEADINGS = ("stolperstein", "tipp", "übertragbar", "lehre", "erfahrung", "fazit")

# Cost bands (slug, label, lowest and highest euros, inclusive); entries without costs: none.
COST_BANDS = [
    ("bis-10000", "bis 10.000 €", 0, 10_000),
    ("bis-50000", "10.001 – 50.000 €", 10_001, 50_000),
    ("bis-250000", "50.001 – 250.000 €", 50_001, 250_000),
    ("mehr", "über 250.000 €", 250_001, None),
]
EFFORTS = ("gering", "mittel", "hoch")


def cost_band(euros: int | None) -> str | None:
    """The slug of the cost band of an amount, or None when unknown."""
    if euros is None:
        return None
    return next((slug for slug, _label, low, high in COST_BANDS
                 if euros >= low and (high is None or euros <= high)), None)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKUP = re.compile(r"(^#{1,6}\s*|^\s*[-*+>]\s+|^\s*\d+\.\s+|[*_`|]+|^\s*:?-{3,}:?\s*$)", re.M)


@dataclass(frozen=True, slots=True)
class DocMeta:
    """Per-entry data kept in the index for filters, facets, sorting and ranking."""

    slug: str
    members_only: bool
    status: str
    municipality: str
    size_class: str | None
    district: str | None
    region: str | None
    population: int | None
    levers: tuple[str, ...]
    topics: tuple[str, ...]
    modules: tuple[int, ...]
    sdgs: tuple[int, ...]
    published: float
    title_key: str
    digest: str
    costs_eur: int | None = None
    effort: str | None = None


META_FIELD_NAMES = tuple(f.name for f in dataclass_fields(DocMeta))
META_FIELDS = frozenset(META_FIELD_NAMES)


def meta_dict(meta: DocMeta) -> dict:
    """The fields of a DocMeta by name (what dataclasses.asdict gives, without its deep
    copy: the values are immutable; asdict was a tenth of preparing a document)."""
    return {name: getattr(meta, name) for name in META_FIELD_NAMES}


def plain_text(markdown: str) -> str:
    """Markdown without its markup, good enough for indexing and snippets."""
    return _MD_MARKUP.sub(" ", _MD_LINK.sub(r"\1", markdown or ""))


def snippet_text(markdown: str) -> str:
    """An entry's text for snippets: without headings, so none runs into the text."""
    return plain_text("\n".join(line for line in (markdown or "").splitlines()
                                 if not line.lstrip().startswith("#")))


def lessons_text(markdown: str) -> str:
    """The text of the "Stolpersteine und Tipps" style sections."""
    parts, keep = [], False
    for line in (markdown or "").splitlines():
        if line.startswith("#"):
            keep = any(word in line.lower() for word in LESSON_HEADINGS)
            continue
        if keep:
            parts.append(line)
    return plain_text("\n".join(parts))


def title_key(title: str) -> str:
    """Sort key for titles: case-insensitive, umlauts next to their base letter."""
    table = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
    return title.lower().translate(table)


def load_practices(session: Session, slugs: list[str]) -> dict[str, Practice]:
    """Practices by slug with everything indexing needs, in few queries."""
    rows = session.scalars(
        select(Practice).where(Practice.slug.in_(slugs)).options(
            selectinload(Practice.municipality), selectinload(Practice.lever_links),
            selectinload(Practice.topic_links), selectinload(Practice.module_links),
            selectinload(Practice.sdg_links), selectinload(Practice.experience_reports),
        ))
    return {practice.slug: practice for practice in rows}


def practice_fields(practice: Practice) -> dict[str, str]:
    """The searchable text of a practice, by field."""
    municipality = practice.municipality
    reports = " ".join(r.body for r in practice.experience_reports if r.publication == "published")
    meta = " ".join(filter(None, [
        municipality.name, municipality.district, municipality.region,
        *(lever.name for lever in practice.levers), *(topic.name for topic in practice.topics),
        STATUS_LABELS.get(practice.status, practice.status), practice.funding,
    ]))
    return {
        "title": practice.title,
        "summary": practice.summary,
        "body": plain_text(practice.body),
        # Lessons others learned; the entry's own "Stolpersteine" are part of the body.
        "lessons": plain_text(reports),
        "meta": meta,
    }


def practice_meta(practice: Practice, fields: dict[str, str], lexicon=None) -> DocMeta:
    """The stored per-entry data of a practice; the digest also covers how it is analysed."""
    municipality = practice.municipality
    published = practice.published_at or practice.updated_at or practice.created_at
    meta = DocMeta(
        slug=practice.slug, members_only=practice.visibility != "public",
        status=practice.status, municipality=municipality.slug,
        size_class=municipality.size_class, district=municipality.district,
        region=municipality.region, population=municipality.population,
        levers=tuple(lever.slug for lever in practice.levers),
        topics=tuple(topic.slug for topic in practice.topics),
        modules=tuple(module.number for module in practice.modules),
        sdgs=tuple(practice.sdgs), published=published.timestamp() if published else 0.0,
        title_key=title_key(practice.title), digest="", costs_eur=practice.costs_eur,
        effort=practice.effort or None,
    )
    analysed = analysis_digest(fields.values(), lexicon)
    digest = hashlib.sha1(  # noqa: S324 - a change detector, not security
        repr((sorted(fields.items()), meta_dict(meta), analysed)).encode("utf-8")).hexdigest()[:16]
    return replace(meta, digest=digest)


def vocabulary_words(practice: Practice) -> set[str]:
    """The words an entry adds to the corpus vocabulary (title, summary and body)."""
    return document_words(practice.title, practice.summary, practice.body)


def index_document(practice: Practice, fields: dict[str, str] | None = None) -> dict:
    """The Whoosh document of a published practice."""
    fields = fields or practice_fields(practice)
    meta = practice_meta(practice, fields)
    return {"slug": practice.slug, "meta": fields["meta"], "title": fields["title"],
            "summary": fields["summary"], "body": fields["body"], "lessons": fields["lessons"],
            "data": meta_dict(meta), "words": " ".join(sorted(vocabulary_words(practice)))}


# Values many entries share (status, municipality, district, lever lists …). Each stored
# document unpickles its own copies; one object per value (and DocMeta's slots) took what a
# web worker loads for 20,000 entries from 39 to 22 MB.
SHARED_FIELDS = ("status", "municipality", "size_class", "district", "region", "levers",
                 "topics", "modules", "sdgs", "effort")
MAX_SHARED_VALUES = 100_000
_shared_values: dict = {}


def _shared(value):
    """One object per distinct value (bounded: starts afresh when full)."""
    if len(_shared_values) > MAX_SHARED_VALUES:
        _shared_values.clear()
    try:
        return _shared_values.setdefault(value, value)
    except TypeError:  # unhashable: a list from an index written by an older version
        return value


def meta_from_stored(stored: dict) -> DocMeta | None:
    """The DocMeta of a stored document; None if written by an incompatible version."""
    data = stored.get("data")
    if not isinstance(data, dict) or set(data) != META_FIELDS:
        return None
    for name in SHARED_FIELDS:
        data[name] = _shared(data[name])
    return DocMeta(**data)
