"""The publication state machine: every transition from every state, allowed or refused."""

import pytest

from app.practices import states

ALLOWED = {  # (transition, from state) pairs that the workflow of SPEC §6 allows
    ("einreichen", "draft"), ("einreichen", "returned"),
    ("veroeffentlichen", "submitted"), ("veroeffentlichen", "archived"),
    ("zurueckgeben", "submitted"),
    ("archivieren", "draft"), ("archivieren", "submitted"), ("archivieren", "returned"),
    ("archivieren", "published"),
}


@pytest.mark.parametrize("state", states.STATES)
@pytest.mark.parametrize("name", list(states.TRANSITIONS))
def test_every_transition_from_every_state(name, state):
    assert states.allows(states.transition(name), state) is ((name, state) in ALLOWED)


def test_anything_else_posted_is_no_transition():
    for posted in ("", "loeschen", "publish", "VEROEFFENTLICHEN", "draft"):
        assert states.transition(posted) is None


def test_only_published_entries_are_readable():
    assert [s for s in states.STATES if states.is_readable(s)] == [states.PUBLISHED]


def test_decisions_are_for_organisers_and_submitting_is_not():
    assert all(states.TRANSITIONS[name].organisers_only for name in states.DECISIONS)
    assert not states.SUBMIT.organisers_only
