"""The Merkliste as one Markdown file: every remembered entry with its facts and body."""

from __future__ import annotations

import re
from datetime import date

from app.home.presentation import de_date, de_euro, de_number
from app.practices.models import EFFORT_LABELS, STATUS_LABELS, Practice

_FENCE = re.compile(r"^(```|~~~)")


def demote_headings(body: str) -> str:
    """Every Markdown heading one level deeper (## -> ###), outside code fences."""
    lines, in_fence = [], False
    for line in (body or "").splitlines():
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
        lines.append("#" + line if not in_fence and re.match(r"^#{1,5} ", line) else line)
    return "\n".join(lines)


def _facts(practice: Practice, show_contact: bool) -> list[str]:
    m = practice.municipality
    size = f"{de_number(m.population)} Einw." if m.population else "Einwohnerzahl unbekannt"
    where = ", ".join(part for part in (size, f"Landkreis {m.district}" if m.district else "")
                      if part)
    status = STATUS_LABELS.get(practice.status, practice.status)
    lines = [f"- **Kommune:** {m.name} ({where})",
             f"- **Stand:** {status}" + (f", seit {practice.started}" if practice.started else ""),
             "- **Kosten:** " + (de_euro(practice.costs_eur)
                                 if practice.costs_eur is not None else "keine Angabe")]
    if practice.funding:
        lines.append(f"- **Finanzierung:** {practice.funding}")
    if practice.effort:
        lines.append(f"- **Aufwand für die Verwaltung:** "
                     f"{EFFORT_LABELS.get(practice.effort, practice.effort)}")
    lines.append("- **Hebel:** " + ", ".join(lever.name for lever in practice.levers))
    if practice.topics:
        lines.append("- **Handlungsfelder:** " + ", ".join(t.name for t in practice.topics))
    contact = [part for part in (practice.contact_name, practice.contact_role) if part]
    if show_contact:
        contact += [part for part in (practice.contact_email, practice.contact_phone) if part]
    if contact:
        lines.append("- **Ansprechperson:** " + ", ".join(contact))
    return lines


def merkliste_markdown(practices: list[Practice], urls: list[str], show_contact: bool,
                       today: date | None = None) -> str:
    """One Markdown document for the list; contact e-mail and phone only if show_contact."""
    today = today or date.today()
    parts = [f"# Merkliste – Kommunen for future\n\nStand: {de_date(today)} · "
             f"{len(practices)} {'Lösungsansatz' if len(practices) == 1 else 'Lösungsansätze'}\n"]
    for number, (practice, url) in enumerate(zip(practices, urls, strict=True), start=1):
        parts.append("\n".join([
            f"## {number}. {practice.title}", "", *_facts(practice, show_contact),
            f"- **Quelle:** <{url}>", "", f"> {practice.summary}", "",
            demote_headings(practice.body or "").strip(), "",
        ]))
    return "\n---\n\n".join(parts) + "\n"
