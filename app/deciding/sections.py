"""The `##` sections of an entry's Markdown body, their first block, and plain text."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

from app.markdown import render_markdown

RESULTS = "Ergebnisse und Wirkung"
PITFALLS = "Stolpersteine und Tipps"
TRANSFER = "Übertragbarkeit"
SITUATION = "Ausgangslage"
APPROACH = "Vorgehen"
COSTS = "Kosten und Finanzierung"

_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")
_plain_parser = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def split_sections(body: str) -> dict[str, str]:
    """Section title -> its Markdown text, for every `## ` heading (outside code fences)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fence = False
    for line in (body or "").splitlines():
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            current = sections.setdefault(match.group(1).strip(), [])
        elif current is not None:
            current.append(line)
    return {title: "\n".join(lines).strip() for title, lines in sections.items()}


def section(body: str, title: str) -> str:
    """The Markdown of one section (case-insensitive title), or ''."""
    wanted = title.casefold()
    for name, text in split_sections(body).items():
        if name.casefold() == wanted:
            return text
    return ""


def first_block(text: str) -> str:
    """The first paragraph (or list) of a Markdown text: everything up to the first blank line."""
    return re.split(r"\n[ \t]*\n", text.strip(), maxsplit=1)[0] if text.strip() else ""


def after_first_block(text: str) -> str:
    """Everything after the first block (see `first_block`), or ''."""
    parts = re.split(r"\n[ \t]*\n", text.strip(), maxsplit=1) if text.strip() else []
    return parts[1].strip() if len(parts) > 1 else ""


def first_block_html(body: str, title: str) -> Markup:
    """The first block of a section as safe HTML, or empty."""
    block = first_block(section(body, title))
    return render_markdown(block) if block else Markup("")


def plain_blocks(text: str) -> list[tuple[str, str | list[list[str]]]]:
    """('paragraph' | 'item', text) or ('table', rows of cells), without markup."""
    blocks: list[tuple[str, str | list[list[str]]]] = []
    depth, table = 0, None
    for token in _plain_parser.parse(text or ""):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "table_open":
            table = []
        elif kind == "table_close":
            blocks.append(("table", table))
            table = None
        elif kind == "tr_open" and table is not None:
            table.append([])
        elif kind == "inline" and table is not None:
            table[-1].append(_inline_text(token))
        elif kind == "inline" and _inline_text(token):
            blocks.append(("item" if depth else "paragraph", _inline_text(token)))
    return blocks


def plain_text(text: str) -> str:
    """A Markdown text flattened to one line of plain text (table cells joined by ';')."""
    return " ".join(value if isinstance(value, str) else "; ".join(
        " ".join(row) for row in value) for _kind, value in plain_blocks(text))


def _inline_text(token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()
