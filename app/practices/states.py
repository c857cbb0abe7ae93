"""Publication states of an entry and the transitions between them: defined only here.

Every service, view and template asks this module (or the predicates in
``app.permissions`` built on it) instead of comparing state strings of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
PUBLISHED = "published"
ARCHIVED = "archived"

STATES = (DRAFT, SUBMITTED, RETURNED, PUBLISHED, ARCHIVED)
LABELS = {
    DRAFT: "Entwurf",
    SUBMITTED: "Eingereicht",
    RETURNED: "Zurückgegeben",
    PUBLISHED: "Veröffentlicht",
    ARCHIVED: "Archiviert",
}
# States whose entries are visible to readers (and so in the search index).
READABLE = frozenset({PUBLISHED})
# States in which the entry's own editors may still change it without an organiser.
EDITABLE = frozenset({DRAFT, SUBMITTED, RETURNED, PUBLISHED})


@dataclass(frozen=True)
class Transition:
    """One allowed move: its name (also the form value), from which states, to which."""

    name: str
    sources: frozenset[str]
    target: str
    organisers_only: bool
    label: str
    done: str  # for the message afterwards: "„Titel“ ist …"


SUBMIT = Transition("einreichen", frozenset({DRAFT, RETURNED}), SUBMITTED, False,
                    "Zur Prüfung einreichen", "eingereicht")
PUBLISH = Transition("veroeffentlichen", frozenset({SUBMITTED, ARCHIVED}), PUBLISHED, True,
                     "Veröffentlichen", "veröffentlicht")
RETURN = Transition("zurueckgeben", frozenset({SUBMITTED}), RETURNED, True,
                    "Mit Kommentar zurückgeben", "mit Ihrem Kommentar zurückgegeben")
ARCHIVE = Transition("archivieren", frozenset({DRAFT, SUBMITTED, RETURNED, PUBLISHED}),
                     ARCHIVED, True, "Archivieren", "archiviert")

TRANSITIONS = {t.name: t for t in (SUBMIT, PUBLISH, RETURN, ARCHIVE)}
# The organisers' decisions of SPEC §6 (field `aktion` of the decision route).
DECISIONS = (PUBLISH.name, RETURN.name, ARCHIVE.name)


def transition(name: str) -> Transition | None:
    """The transition called `name`, or None for anything else that was posted."""
    return TRANSITIONS.get(name)


def allows(move: Transition, state: str) -> bool:
    """True when `move` may start from `state`."""
    return state in move.sources


def is_readable(state: str) -> bool:
    """Entries in this state are shown to readers and indexed for search."""
    return state in READABLE
