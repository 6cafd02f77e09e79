"""The page shell of the atlas: head with the Content-Security-Policy, skip link,
header and navigation, footer; shared helpers for figures with their data tables.

Every page loads only files of the site: ``assets/atlas.css`` and the scripts in
``assets/`` (``script-src 'self'``), no inline script or style, no image but inline SVG
and ``data:`` URLs, no form submission (``form-action 'none'``). Pages open from
``file://`` (Chromium treats the site folder as ``'self'``) and from any web server.

Examples
--------
>>> html = page_html(title="T", body="<h1>T</h1>", depth=1, lang="de", site="Atlas",
...                  footer=[])
>>> 'href="../assets/atlas.css"' in html and "Content-Security-Policy" in html
True
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence

from geosozial import __version__
from geosozial.atlas.tables import Table, table_html
from geosozial.atlas.texts import text

__all__ = ["CSP", "esc", "figure_html", "page_html", "prefix_for"]

#: the policy of every page: nothing from outside the site, no inline code
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'")


def esc(value: object) -> str:
    """HTML-escape a value (quotes too).

    Examples
    --------
    >>> esc('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return _html.escape(str(value), quote=True)


def prefix_for(depth: int) -> str:
    """The relative path from a page ``depth`` folders down back to the site folder.

    Examples
    --------
    >>> prefix_for(0), prefix_for(1)
    ('', '../')
    """
    return "../" * depth


def figure_html(svg: str, table: Table | None, lang: str, prefix: str = "",
                caption: str = "") -> str:
    """A chart with its data table in a ``<details>`` (the table behind the chart).

    Examples
    --------
    >>> out = figure_html("<svg></svg>", Table("t", "Daten", ["A"], [["x"]]), "de")
    >>> "<details>" in out and "Daten als Tabelle" in out
    True
    """
    parts = ['<figure class="chart-box">', svg]
    if caption:
        parts.append(f"<figcaption>{esc(caption)}</figcaption>")
    parts.append("</figure>")
    if table is not None:
        parts.append(f'<details><summary>{esc(text(lang, "table_data"))}</summary>'
                     f"{table_html(table, lang, prefix)}</details>")
    return "".join(parts)


def page_html(*, title: str, body: str, depth: int, lang: str, site: str,
              footer: Sequence[str], current: str = "",
              scripts: Sequence[str] = ("atlas.js",), page_class: str = "") -> str:
    """A whole page of the site.

    Parameters
    ----------
    title : str
        The document title (the site title is added).
    body : str
        The content of ``<main>`` (starting with its ``<h1>``).
    depth : int
        Folders below the site folder (0: ``index.html``, 1: ``gemeinden/x.html``).
    lang : str
        ``de`` or ``en``; the ``lang`` attribute of the page.
    site : str
        The site title (header, document title).
    footer : sequence of str
        Lines of the footer (plain text, escaped here).
    current : str
        The navigation entry of this page (``home``, ``compare``).
    scripts : sequence of str
        Files in ``assets/`` loaded at the end of the body, in this order.
    page_class : str
        Class of ``<body>`` (``sheet`` for the Sozialdatenblätter: print layout).

    Returns
    -------
    str

    Examples
    --------
    >>> page_html(title="X", body="", depth=0, lang="en", site="S", footer=[])[:39]
    '<!DOCTYPE html>\\n<html lang="en">\\n<head>'
    """
    p = prefix_for(depth)
    nav = [("home", "index.html", text(lang, "home")),
           ("indicators", "index.html#indikatoren", text(lang, "indicators")),
           ("sozialraeume", "index.html#sozialraeume", text(lang, "sozialraeume")),
           ("gemeinden", "index.html#gemeinden", text(lang, "gemeinden")),
           ("compare", "vergleich.html", text(lang, "compare")),
           ("downloads", "index.html#downloads", text(lang, "downloads"))]
    items = []
    for ident, href, label in nav:
        current_attr = ' aria-current="page"' if ident == current else ""
        items.append(f'<li><a href="{p}{href}"{current_attr}>{esc(label)}</a></li>')
    full_title = title if title == site else f"{title} – {site}"
    body_class = f' class="{esc(page_class)}"' if page_class else ""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="generator" content="geosozial">',
        f"<title>{esc(full_title)}</title>",
        '<link rel="icon" href="data:,">',
        f'<link rel="stylesheet" href="{p}assets/atlas.css">',
        "</head>",
        f"<body{body_class}>",
        f'<a class="skip" href="#inhalt">{esc(text(lang, "skip"))}</a>',
        '<header class="site-head">',
        f'<p class="site-title"><a href="{p}index.html">{esc(site)}</a></p>',
        f'<nav aria-label="{esc(text(lang, "nav"))}"><ul>{"".join(items)}</ul></nav>',
        "</header>",
        '<main id="inhalt" tabindex="-1">',
        body,
        "</main>",
        '<footer class="site-foot">',
        *(f"<p>{esc(line)}</p>" for line in footer if line),
        f'<p>{esc(text(lang, "made_with", version=__version__))}</p>',
        "</footer>",
        *(f'<script src="{p}assets/{esc(name)}"></script>' for name in scripts),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)
