"""A readable text part made from a message's HTML, for mail whose text body is empty.

Mail clients that show no HTML, and spam filters, expect a text/plain alternative beside the HTML.
This one reads as the HTML does: headings and paragraphs as blocks, line breaks kept, list items
as "- " (or "1. "), links as "text (url)", images as their alt text, table rows as lines; script,
style and head dropped, entities decoded, whitespace collapsed as a browser would.

Written on the standard library's html.parser: html2text is GPL, and the converters under
permissive licences (inscriptis, html-text) bring lxml, a compiled library, into every function.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose content is never shown.
HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
# Elements that stand apart from the text around them (by a blank line: paragraphs; or a line).
PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "hr"}
)
LINES = frozenset({"div", "tr", "li", "section", "article", "header", "footer", "center", "dl", "dt", "dd"})
CELLS = frozenset({"td", "th"})
LINK_SCHEMES = ("http://", "https://", "mailto:")
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _Text(HTMLParser):
    """Collects the text of an HTML document in reading order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # depth inside elements whose content is not shown
        self.pre = 0  # depth inside <pre>: whitespace kept
        self.breaks = 0  # line breaks owed before the next text (the most any block asked for)
        self.lists: list[int | None] = []  # per open list: the next number (ol), or None (ul)
        self.links: list[tuple[str | None, int]] = []  # per open <a>: its URL, where its text starts

    # ------------------------------------------------------------------ output

    def _at_line_start(self) -> bool:
        return not self.parts or self.parts[-1].endswith("\n")

    def _break(self, lines: int) -> None:
        if self.parts:  # nothing owed at the very start
            self.breaks = max(self.breaks, lines)

    def _emit(self, text: str) -> None:
        if self.breaks:
            self.parts.append("\n" * self.breaks)
            self.breaks = 0
        self.parts.append(text)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            self._emit(data)
            return
        text = _SPACE.sub(" ", data.replace("\xa0", " "))
        if self.breaks or self._at_line_start():
            text = text.lstrip()
        elif self.parts and self.parts[-1].endswith(" "):
            text = text.lstrip()
        if text:
            self._emit(text)

    # ------------------------------------------------------------------ elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        attributes = dict(attrs)
        if tag == "br":
            self._emit("\n")
        elif tag in PARAGRAPHS:
            self._open_paragraph(tag)
        elif tag in LINES:
            self._break(1)
            if tag == "li":
                self._bullet()
        elif tag in CELLS and not (self.breaks or self._at_line_start() or self.parts[-1].endswith(" ")):
            self._emit(" ")  # cells of a row side by side
        elif tag == "a":
            self.links.append((attributes.get("href"), len(self.parts)))
        elif tag == "img" and (attributes.get("alt") or "").strip():
            self.handle_data(f" {attributes['alt']} ")

    def _open_paragraph(self, tag: str) -> None:
        self._break(2)
        if tag == "pre":
            self.pre += 1
        elif tag in ("ul", "ol"):
            self.lists.append(1 if tag == "ol" else None)
        elif tag == "hr":
            self._emit("----")
            self._break(2)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        if tag in PARAGRAPHS:
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)
            elif tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            self._break(2)
        elif tag in LINES:
            self._break(1)
        elif tag == "a" and self.links:
            self._end_link(*self.links.pop())

    def _bullet(self) -> None:
        if self.lists and self.lists[-1] is not None:
            number = self.lists[-1]
            self.lists[-1] = number + 1
            self._emit(f"{number}. ")
        else:
            self._emit("- ")

    def _end_link(self, href: str | None, start: int) -> None:
        """After a link's text, its URL in brackets (unless the text is the URL itself)."""
        url = (href or "").strip()
        if not url.lower().startswith(LINK_SCHEMES):
            return  # anchors, javascript:, merge-tag leftovers: the text alone
        text = "".join(self.parts[start:]).strip()
        shown = url.removeprefix("mailto:") if url.lower().startswith("mailto:") else url
        if text in (url, shown):
            return
        self._emit(f" ({shown})" if text else shown)


def html_to_text(html: str) -> str:
    """The readable text of `html` (empty when it shows none)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.rstrip() for line in "".join(parser.parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
