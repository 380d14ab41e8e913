"""What inbound mail shows to staff: sanitised HTML, readable text, the reply without history.

HTML passes through `nh3` (a Rust HTML sanitiser, html5ever's parser) with an allow-list: no
`svg`, `math`, `style`, `script`, forms, event handlers, nor `javascript:`/`data:` URLs. Remote
images are not loaded: their `src` is removed and listed, so staff can choose to look.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
DROP_WITH_CONTENT = {"script", "style", "svg", "math", "template", "noscript", "title",
                     "head", "object", "embed", "iframe", "frameset", "textarea", "select"}
URL_SCHEMES = {"http", "https", "mailto", "cid"}
MAX_REMOTE_LISTED = 50


def sanitise_html(html: str) -> tuple[str, list[str]]:
    """Safe HTML and the remote image URLs that were not loaded."""
    remote: list[str] = []

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            if value.lower().startswith("cid:"):
                return value
            if len(remote) < MAX_REMOTE_LISTED:
                remote.append(value[:2000])
            return None
        if value.lower().startswith("cid:"):
            return None  # cid: only means something as an inline image
        return value

    clean = nh3.clean(
        html, tags=TAGS, clean_content_tags=DROP_WITH_CONTENT, url_schemes=URL_SCHEMES,
        attribute_filter=attribute_filter, link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return clean, remote


BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
         "pre", "table", "hr", "ul", "ol", "dl", "dt", "dd", "section", "article", "header",
         "footer"}
SKIP = {"script", "style", "head", "title", "svg", "math", "template", "noscript"}


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self._skipping += 1
        elif tag in BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (for HTML-only mail)."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


QUOTE_HEADERS = [
    re.compile(r"^\s*On .{0,300}wrote:\s*$", re.I),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*Op .{0,300}schreef.{0,80}:\s*$", re.I),  # Dutch clients
    re.compile(r"^\s*Am .{0,300}schrieb.{0,80}:\s*$", re.I),
    re.compile(r"^\s*Le .{0,300}a écrit\s*:\s*$", re.I),
    re.compile(r"^\s*-{2,}\s*(Original Message|Oorspronkelijk bericht|Forwarded message)"
               r"\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above "From: ... Sent: ..."
]
OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Van|Von):\*?\s.+$", re.I)
OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Verzonden|Datum|Gesendet):\*?\s.+$", re.I)
SIGNATURE = re.compile(r"^(-- ?|--|Sent from my \w+.*|Verzonden vanaf mijn \w+.*)$", re.I)


def trim_reply(text: str) -> str:
    """The new part of a reply: quoted history and signature cut off. Never returns an empty
    string for a non-empty text (a message that is all quote stays whole)."""
    lines = text.splitlines()
    cut = len(lines)
    for index, line in enumerate(lines):
        outlook = (OUTLOOK_FROM.match(line) is not None and index + 1 < len(lines)
                   and OUTLOOK_NEXT.match(lines[index + 1]) is not None)
        if index > 0 and (outlook or SIGNATURE.match(line)
                          or any(p.match(line) for p in QUOTE_HEADERS)):
            cut = index
            break
        if line.startswith(">") and all(not rest.strip() or rest.startswith(">")
                                        for rest in lines[index:]):
            cut = index
            break
    trimmed = "\n".join(lines[:cut]).rstrip()
    return trimmed if trimmed.strip() else text.strip()
