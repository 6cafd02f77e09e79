"""Tables of the site: one model for the HTML table and its CSV/XLSX download.

A :class:`Table` holds typed cells: text (``str``), numbers (:class:`Num`: value or None
plus flag) and links (:class:`Link`). :func:`table_html` writes the accessible HTML
table (``<caption>``, ``<th scope="col">``, ``<th scope="row">`` for the first column),
:func:`geosozial.atlas.downloads` writes the same rows as CSV and XLSX, so every table
of the site can be downloaded exactly as shown.

Examples
--------
>>> t = Table("t1", "Werte", ["Gebiet", "Wert"], [["Adorf", Num(12.25)],
...           ["Bödorf", Num(None, "geheim")]])
>>> html = table_html(t)
>>> '<th scope="col">Wert</th>' in html, "12,3" in html, "geheim gehalten" in html
(True, True, True)
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from geosozial.atlas.model import Cell, missing_text
from geosozial.atlas.numbers import number_text
from geosozial.atlas.texts import text

__all__ = ["Link", "Num", "Table", "cell_text", "num", "table_html"]


@dataclass(frozen=True)
class Num:
    """A number cell: value (None: withheld or missing) with flag and decimals.

    Examples
    --------
    >>> Num(-1.25, digits=1, signed=True).text(), Num(3.0, "", 0).text()
    ('−1,3', '3')
    """

    value: float | None
    flag: str = ""
    digits: int = 1
    converted: bool = False
    signed: bool = False

    def text(self, lang: str = "de", mark: bool = False) -> str:
        """As shown in a page (``mark``: a ``*`` after a converted value).

        Examples
        --------
        >>> Num(2.0, "umgeschluesselt", 1, True).text(mark=True), Num(None, ".").text("en")
        ('2,0*', 'confidential')
        """
        if self.value is None:
            return missing_text(self.flag, lang)
        shown = number_text(self.value, self.digits, lang) or ""
        if self.signed:
            if shown.startswith("-"):
                shown = "\u2212" + shown[1:]
            elif any(c in "123456789" for c in shown):
                shown = "+" + shown
        return shown + ("*" if mark and self.converted else "")


def num(cell: Cell, digits: int = 1) -> Num:
    """A :class:`Num` from a model cell.

    Examples
    --------
    >>> num(Cell(2.0, "umgeschluesselt", True)).converted
    True
    """
    return Num(cell.value, cell.flag, digits, cell.converted)


@dataclass(frozen=True)
class Link:
    """A text cell that links to a page of the site (the download keeps the text).

    Examples
    --------
    >>> Link("Adorf", "gemeinden/1.html").href
    'gemeinden/1.html'
    """

    text: str
    href: str


@dataclass
class Table:
    """A table of a page.

    Attributes
    ----------
    id : str
        Unique in its page; names the sheet of the XLSX download.
    title : str
        The caption.
    header : list of str
    rows : list of list
        Cells: ``str``, :class:`Num`, :class:`Link` or None (empty).
    note : str
        A line under the table (and in the download).

    Examples
    --------
    >>> Table("t", "Titel", ["A"]).rows
    []
    """

    id: str
    title: str
    header: list[str]
    rows: list[list[object]] = field(default_factory=list)
    note: str = ""


def cell_text(cell: object, lang: str = "de") -> str:
    """The text of a cell as the page shows it (without marks).

    Examples
    --------
    >>> cell_text(Link("Adorf", "a.html")), cell_text(None), cell_text(Num(1.0, "", 0))
    ('Adorf', '', '1')
    """
    if cell is None:
        return ""
    if isinstance(cell, Num):
        return cell.text(lang)
    if isinstance(cell, Link):
        return cell.text
    return str(cell)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell_html(cell: object, lang: str, prefix: str) -> tuple[str, str]:
    """Content and class of one cell."""
    if isinstance(cell, Num):
        css = "num" if cell.value is not None else "num missing"
        return _esc(cell.text(lang, mark=True)), css
    if isinstance(cell, Link):
        return f'<a href="{_esc(prefix + cell.href)}">{_esc(cell.text)}</a>', ""
    return _esc(cell_text(cell, lang)), ""


def table_html(table: Table, lang: str = "de", prefix: str = "", *,
               row_headers: bool = True, css: str = "data") -> str:
    """The accessible HTML of ``table``.

    Parameters
    ----------
    table : Table
    lang : str
    prefix : str
        Put before every link (``../`` on pages one folder down).
    row_headers : bool
        The first column as ``<th scope="row">``.
    css : str
        Class of the ``<table>``.

    Returns
    -------
    str

    Examples
    --------
    >>> t = Table("x", "T", ["A"], [[Link("Adorf", "gemeinden/1.html")]])
    >>> 'href="../gemeinden/1.html"' in table_html(t, prefix="../")
    True
    """
    region = f"{text(lang, 'table_word')}: {table.title}"
    parts = [f'<div class="table-wrap" role="region" aria-label="{_esc(region)}" '
             f'tabindex="0"><table class="{css}" id="{table.id}">'
             f'<caption id="{table.id}-cap">{_esc(table.title)}</caption><thead><tr>']
    parts += [f'<th scope="col">{_esc(h)}</th>' for h in table.header]
    parts.append("</tr></thead><tbody>")
    for row in table.rows:
        parts.append("<tr>")
        for i, cell in enumerate(row):
            content, cls = _cell_html(cell, lang, prefix)
            cls_attr = f' class="{cls}"' if cls else ""
            if i == 0 and row_headers:
                parts.append(f'<th scope="row"{cls_attr}>{content}</th>')
            else:
                parts.append(f"<td{cls_attr}>{content}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    if table.note:
        parts.append(f'<p class="table-note">{_esc(table.note)}</p>')
    return "".join(parts)
