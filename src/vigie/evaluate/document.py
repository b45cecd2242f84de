"""A tiny document model rendered both as Markdown and as self-contained HTML (no CDN)."""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "Bullets", "Heading", "Image", "Para", "Table", "to_html", "to_markdown"]


@dataclass(frozen=True)
class Heading:
    """A section title."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph; ``code`` spans are written between backquotes."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table of plain text cells."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Image:
    """A PNG file."""

    path: Path
    alt: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


Block = Heading | Para | Table | Image | Bullets


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block], base: Path) -> str:
    """Markdown; images are linked relative to ``base`` (the folder the file is written to)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            out += [b.text, ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "---|" * len(b.headers))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Image):
            out += [f"![{b.alt}]({_relative(b.path, base)})", ""]
        else:
            out += [f"- {item}" for item in b.items] + [""]
    return "\n".join(out).rstrip() + "\n"


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()


_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;margin:.5em 0 1.2em}td,th{border:1px solid #ccc;
padding:3px 8px;font-size:14px;text-align:left}th{background:#f3f3f3}code{background:#f3f3f3;
padding:0 3px}img{max-width:100%;display:block;margin:.3em 0 1em}"""


def _inline(text: str) -> str:
    """Escape, then turn `code` spans into <code>."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def to_html(blocks: list[Block], title: str) -> str:
    """One self-contained HTML page: images embedded as data URIs."""
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
           f"</title><style>{_STYLE}</style></head><body>"]
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{_inline(h)}</th>" for h in b.headers)
            rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                           for r in b.rows)
            out.append(f"<table><tr>{head}</tr>{rows}</table>")
        elif isinstance(b, Image):
            data = base64.b64encode(b.path.read_bytes()).decode("ascii")
            out.append(f"<img alt='{html.escape(b.alt)}' src='data:image/png;base64,{data}'>")
        else:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
