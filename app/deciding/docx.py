"""The council draft (Sitzungsvorlage) as a Word document, built with python-docx.

Structure after the Sitzungsvorlagen of German municipal councils: Betreff, Sachverhalt,
(Geprüfte Alternativen), Beschlussvorschlag, Finanzielle Auswirkungen, Auswirkungen auf Klima
und Nachhaltigkeit, Erfahrungen anderer Kommunen, Ansprechperson, Quelle. Everything the
reader must still decide is a bracketed, highlighted placeholder; every page says
"Entwurf, bitte anpassen". Personal contact data only when `show_contact` is true.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from app.deciding import sections
from app.home.presentation import SDG_NAMES, de_date, de_euro, de_number
from app.municipalities.models import SIZE_CLASS_LABELS, Municipality
from app.practices.models import EFFORT_LABELS, STATUS_LABELS, ExperienceReport, Practice

DRAFT_MARK = "Entwurf, bitte anpassen"
BODY_PLACEHOLDER = "[Gemeinderat / Stadtrat / Marktgemeinderat]"
TOWN_PLACEHOLDER = "[Name Ihrer Kommune]"
MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# How the reference municipality stands with the approach, in the third person:
# (sentence with {who}, {what}, {since}; "seit" for the present, "ab" for the perfect).
_STATUS_SENTENCE = {
    "idee": ("{who} verfolgt{since} die Idee {what}.", "seit"),
    "geplant": ("{who} plant{since} den Ansatz {what}.", "seit"),
    "in-umsetzung": ("{who} setzt{since} den Ansatz {what} um.", "seit"),
    "umgesetzt": ("{who} hat{since} den Ansatz {what} umgesetzt.", "ab"),
    "verstetigt": ("{who} hat{since} den Ansatz {what} umgesetzt und dauerhaft verankert.",
                   "ab"),
    "eingestellt": ("{who} hat{since} den Ansatz {what} erprobt und inzwischen eingestellt.",
                    "ab"),
}
_SIZE_ORDER = list(SIZE_CLASS_LABELS)


@dataclass
class DraftContext:
    """Everything the draft needs besides the entry itself."""

    practice: Practice
    source_url: str
    reader_municipality: Municipality | None = None
    alternatives: list[tuple[Practice, str]] = field(default_factory=list)  # (entry, url)
    reports: list[ExperienceReport] = field(default_factory=list)
    adopted_by: list[Practice] = field(default_factory=list)
    show_contact: bool = False
    today: date = field(default_factory=date.today)


def quoted(title: str) -> str:
    """„Title“, with quotes inside the title turned into German inner quotes (‚…‘)."""
    return "„" + title.replace("„", "‚").replace("“", "‘") + "“"


def population_text(municipality: Municipality) -> str:
    return (f"{de_number(municipality.population)} Einwohner" if municipality.population
            else "Einwohnerzahl unbekannt")


def describe(municipality: Municipality) -> str:
    """'Markt Quellenstein (6.300 Einwohner, Landkreis Neumarkt in der Oberpfalz)'."""
    parts = [population_text(municipality)]
    if municipality.district:
        parts.append(f"Landkreis {municipality.district}")
    return f"{municipality.name} ({', '.join(parts)})"


def size_note(reference: Municipality, reader: Municipality | None) -> str | None:
    """A warning next to the costs when the two municipalities are in different size classes."""
    if reader is None or not reference.population or not reader.population:
        return None
    line = (f"Referenzkommune {de_number(reference.population)} Einwohner, "
            f"Ihre Kommune {de_number(reader.population)} Einwohner")
    ref_class, own_class = reference.size_class, reader.size_class
    if ref_class == own_class:
        return f"{line} (gleiche Größenklasse)."
    steps = abs(_SIZE_ORDER.index(ref_class) - _SIZE_ORDER.index(own_class))
    return (f"{line}: {'eine' if steps == 1 else steps} Größenklasse{'n' if steps > 1 else ''} "
            "Unterschied. Die Kosten lassen sich nicht unmittelbar übertragen.")


class _Writer:
    """A thin layer over python-docx for headings, paragraphs, bullets and placeholders."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(20)
        normal = self.doc.styles["Normal"]
        normal.font.name = "Arial"
        normal.font.size = Pt(11)
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), "de-DE")
        normal.element.get_or_add_rPr().append(language)

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_heading(text, level=level)

    def paragraph(self, *parts: str | tuple[str, str], style: str | None = None):
        """Plain strings, or ('placeholder' | 'bold' | 'italic', text) pairs."""
        paragraph = self.doc.add_paragraph(style=style)
        for part in parts:
            kind, text = part if isinstance(part, tuple) else ("plain", part)
            run = paragraph.add_run(text)
            run.bold = kind in ("bold", "placeholder")
            run.italic = kind == "italic"
            if kind == "placeholder":
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return paragraph

    def bullet(self, *parts: str | tuple[str, str]) -> None:
        self.paragraph(*parts, style="List Bullet")

    def markdown(self, text: str) -> None:
        for kind, value in sections.plain_blocks(text):
            if kind == "table":
                self.grid(value)
            elif kind == "item":
                self.bullet(value)
            else:
                self.paragraph(value)

    def grid(self, rows: list[list[str]]) -> None:
        """A table from the entry's Markdown; the first row is its header."""
        width = max((len(row) for row in rows), default=0)
        if not width:
            return
        table = self.doc.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for number, row in enumerate(rows):
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=False):
                cell.paragraphs[0].add_run(text).bold = number == 0

    def link(self, paragraph, url: str) -> None:
        """A clickable address (python-docx has no high-level API for hyperlinks)."""
        rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), rel_id)
        run = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), "Hyperlink")
        underline = OxmlElement("w:u")
        underline.set(qn("w:val"), "single")
        properties.extend([style, underline])
        text = OxmlElement("w:t")
        text.text = url
        run.extend([properties, text])
        hyperlink.append(run)
        paragraph._p.append(hyperlink)

    def mark_every_page(self, text: str) -> None:
        header = self.doc.sections[0].header.paragraphs[0]
        run = header.add_run(text)
        run.bold = True
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        footer = self.doc.sections[0].footer.paragraphs[0]
        footer.add_run(f"{text} · Grundlage: Wissensbasis „Kommunen for future“").font.size = Pt(8)

    def table(self, rows: list[tuple[str, str | tuple[str, str]]]) -> None:
        table = self.doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].paragraphs[0].add_run(label).bold = True
            kind, text = value if isinstance(value, tuple) else ("plain", value)
            run = cells[1].paragraphs[0].add_run(text)
            if kind == "placeholder":
                run.bold = True
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


def _reader_name(ctx: DraftContext) -> str:
    return ctx.reader_municipality.name if ctx.reader_municipality else TOWN_PLACEHOLDER


def _title_block(w: _Writer, ctx: DraftContext) -> None:
    practice, reader = ctx.practice, ctx.reader_municipality
    w.paragraph(("placeholder", DRAFT_MARK.upper()))
    w.doc.add_heading("Sitzungsvorlage", level=0)
    w.table([
        ("Kommune", reader.name if reader else ("placeholder", TOWN_PLACEHOLDER)),
        ("Gremium", ("placeholder", BODY_PLACEHOLDER)),
        ("Sitzung am", ("placeholder", "[Datum der Sitzung]")),
        ("Vorlage-Nr.", ("placeholder", "[bitte eintragen]")),
        ("Federführung", ("placeholder", "[Amt / Sachgebiet]")),
        ("Erstellt am", de_date(ctx.today)),
        ("Grundlage", f"Praxisbeispiel {quoted(practice.title)}, {practice.municipality.name}"),
    ])


def _subject(w: _Writer, ctx: DraftContext) -> None:
    practice = ctx.practice
    w.heading("Betreff")
    w.paragraph(f"{practice.title}: Prüfung einer Übernahme nach dem Vorbild von "
                f"{practice.municipality.name} für {_reader_name(ctx)}")


def _facts_of_case(w: _Writer, ctx: DraftContext) -> None:
    practice, reference = ctx.practice, ctx.practice.municipality
    body = practice.body or ""
    w.heading("Sachverhalt")
    sentence, preposition = _STATUS_SENTENCE.get(practice.status, _STATUS_SENTENCE["idee"])
    since = f" {preposition} {practice.started}" if practice.started else ""
    w.paragraph(sentence.format(who=describe(reference), since=since, what=quoted(practice.title))
                + f" Stand laut Wissensbasis: "
                  f"{STATUS_LABELS.get(practice.status, practice.status)}.")
    w.paragraph(("bold", "Kurzbeschreibung: "), practice.summary)
    for title, lead in ((sections.SITUATION, f"Ausgangslage in {reference.name}"),
                        (sections.APPROACH, f"Vorgehen von {reference.name}")):
        text = sections.section(body, title)
        if text:
            w.heading(lead, level=2)
            w.markdown(text)
    results = sections.first_block(sections.section(body, sections.RESULTS))
    if results:
        w.heading(f"Erreicht hat {reference.name} nach eigenen Angaben", level=2)
        w.markdown(results)
    transfer = sections.section(body, sections.TRANSFER)
    if transfer:
        w.heading(f"Übertragbarkeit auf {_reader_name(ctx)}", level=2)
        w.paragraph(f"Zur Übertragbarkeit schreibt {reference.name}:")
        w.markdown(transfer)


def _alternatives(w: _Writer, ctx: DraftContext) -> None:
    if not ctx.alternatives:
        return
    w.heading("Geprüfte Alternativen")
    w.paragraph("Neben dem vorgeschlagenen Ansatz wurden in der Wissensbasis diese Ansätze "
                "anderer Kommunen verglichen:")
    for other, url in ctx.alternatives:
        costs = de_euro(other.costs_eur) if other.costs_eur is not None else "keine Angabe"
        paragraph = w.paragraph(
            ("bold", quoted(other.title)), f" – {describe(other.municipality)}; Stand: "
            f"{STATUS_LABELS.get(other.status, other.status)}; Kosten dort: {costs}. "
            f"{other.summary} Quelle: ", style="List Bullet")
        w.link(paragraph, url)


def _proposal(w: _Writer, ctx: DraftContext) -> None:
    practice = ctx.practice
    w.heading("Beschlussvorschlag")
    w.paragraph(("placeholder",
                 f"[{DRAFT_MARK}:] Der {BODY_PLACEHOLDER} von {_reader_name(ctx)} beschließt, den "
                 f"Ansatz {quoted(practice.title)} nach dem Vorbild von "
                 f"{practice.municipality.name} für die eigene Kommune zu prüfen. Die Verwaltung "
                 "wird beauftragt, bis zum "
                 "[Datum] ein Umsetzungskonzept mit Kosten- und Finanzierungsplan vorzulegen."))
    w.paragraph(("italic", "Hinweis: Der Beschlussvorschlag ist ein Platzhalter. Bitte passen "
                           "Sie ihn an die Lage vor Ort und an Ihre Geschäftsordnung an."))


def _finances(w: _Writer, ctx: DraftContext) -> None:
    practice, reference = ctx.practice, ctx.practice.municipality
    w.heading("Finanzielle Auswirkungen")
    w.paragraph(("bold", f"Die folgenden Zahlen sind Angaben der Referenzkommune "
                         f"{reference.name}, nicht Zahlen von {_reader_name(ctx)}."))
    costs = de_euro(practice.costs_eur) if practice.costs_eur is not None else "keine Angabe"
    w.bullet(f"Kosten in {reference.name}: {costs}")
    note = size_note(reference, ctx.reader_municipality)
    if note:
        w.bullet(("bold", "Größenvergleich: "), note)
    w.bullet(f"Finanzierung in {reference.name}: {practice.funding or 'keine Angabe'}")
    if practice.effort:
        w.bullet(f"Aufwand für die Verwaltung (Einschätzung von {reference.name}): "
                 f"{EFFORT_LABELS.get(practice.effort, practice.effort)}")
    text = sections.section(practice.body or "", sections.COSTS)
    if text:
        w.paragraph(f"Zu Kosten und Finanzierung schreibt {reference.name}:")
        w.markdown(text)
    w.paragraph(("placeholder", f"[Kosten und Haushaltsstelle für {_reader_name(ctx)}: "
                                "bitte ermitteln und eintragen.]"))


def _climate(w: _Writer, ctx: DraftContext) -> None:
    practice = ctx.practice
    w.heading("Auswirkungen auf Klima und Nachhaltigkeit")
    w.bullet(("bold", "Hebel: "), ", ".join(lever.name for lever in practice.levers) or "–")
    if practice.topics:
        w.bullet(("bold", "Handlungsfelder: "), ", ".join(t.name for t in practice.topics))
    if practice.sdgs:
        w.bullet(("bold", "Nachhaltigkeitsziele (SDGs): "), ", ".join(
            f"SDG {n} {SDG_NAMES.get(n, '')}".strip() for n in practice.sdgs))
    # The first block of the results already stands under "Sachverhalt": only the rest here.
    results = sections.section(practice.body or "", sections.RESULTS)
    if results:
        rest = sections.after_first_block(results)
        w.paragraph(f"Ergebnisse und Wirkung in {practice.municipality.name}: siehe "
                    f"Sachverhalt{', außerdem:' if rest else '.'}")
        if rest:
            w.markdown(rest)


def _experience(w: _Writer, ctx: DraftContext) -> None:
    practice = ctx.practice
    w.heading("Erfahrungen anderer Kommunen")
    if not ctx.reports and not ctx.adopted_by:
        w.paragraph("In der Wissensbasis liegen noch keine Erfahrungsberichte anderer Kommunen "
                    "zu diesem Ansatz vor.")
    for report in ctx.reports:
        who = report.municipality.name if report.municipality else "Eine Kommune"
        outcome = f", {report.outcome_label}" if report.outcome_label else ""
        w.paragraph(("bold", f"{who} ({de_date(report.created_at)}{outcome}): "),
                    sections.plain_text(report.body))
    if ctx.adopted_by:
        w.paragraph("Diesen Ansatz haben außerdem übernommen: " + "; ".join(
            f"{quoted(other.title)} ({other.municipality.name})" for other in ctx.adopted_by) + ".")
    tips = sections.section(practice.body or "", sections.PITFALLS)
    if tips:
        w.heading(f"Stolpersteine und Tipps aus {practice.municipality.name}", level=2)
        w.markdown(tips)


def _contact(w: _Writer, ctx: DraftContext) -> None:
    practice = ctx.practice
    if not (practice.contact_name or practice.contact_role):
        return
    w.heading("Ansprechperson in der Referenzkommune")
    who = ", ".join(part for part in (practice.contact_name, practice.contact_role) if part)
    w.paragraph(f"{who} ({practice.municipality.name})")
    if ctx.show_contact:
        if practice.contact_email:
            w.paragraph(f"E-Mail: {practice.contact_email}")
        if practice.contact_phone:
            w.paragraph(f"Telefon: {practice.contact_phone}")
    else:
        w.paragraph("Kontaktdaten erhalten angemeldete Mitglieder in der Wissensbasis.")


def _source(w: _Writer, ctx: DraftContext) -> None:
    practice = ctx.practice
    w.heading("Quelle")
    paragraph = w.paragraph(f"Wissensbasis „Kommunen for future“: {quoted(practice.title)} "
                            f"({practice.municipality.name}), ")
    w.link(paragraph, ctx.source_url)
    reviewed = de_date(practice.reviewed) if practice.reviewed else "noch nicht geprüft"
    w.paragraph(f"Abgerufen am {de_date(ctx.today)}. Zuletzt von der Redaktion geprüft: "
                f"{reviewed}.")
    for url in practice.links or []:
        w.link(w.paragraph("Weiterführend: "), url)


def council_draft(ctx: DraftContext) -> bytes:
    """The .docx file for one entry (and the alternatives it was compared with)."""
    w = _Writer()
    w.mark_every_page(DRAFT_MARK)
    core = w.doc.core_properties
    core.title = f"Sitzungsvorlage (Entwurf): {ctx.practice.title}"
    core.author = "Wissensbasis Kommunen for future"
    core.comments = DRAFT_MARK
    core.language = "de-DE"
    for part in (_title_block, _subject, _facts_of_case, _alternatives, _proposal, _finances,
                 _climate, _experience, _contact, _source):
        part(w, ctx)
    return w.to_bytes()
