"""What each kind of response may contain, by content type: a small registry of checkers.

Each content type the tracker serves has a ``Kind``: how to read all its text (what a reader, a
spreadsheet or a feed reader gets: text and attribute values) and how to find active content in
it (markup, script, formula, injected calendar line). A route that answers with a content type
missing here fails the suites that crawl the URL map, by name: whoever adds a new format adds
its checker here, and so decides what "inert" means for it.

HTML is parsed as browsers parse it (html5lib), XML, SVG and office files with defusedxml;
nothing here is a regular expression over markup.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
from defusedxml import ElementTree

# The tag every stored-XSS payload carries: an element of that name in any parsed document
# means the payload was interpreted as markup rather than shown as text.
PROBE_TAG = "xss-probe"
# Attributes whose value is a URL the browser may follow or load.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href",
     "srcset", "cite", "longdesc", "manifest", "codebase", "ping"}
)  # fmt: skip
# Elements that load something; their URL must be on this site.
LOADING = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "object": ("data",),
    "embed": ("src",),
    "input": ("src",),
    "form": ("action",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
NEVER = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", PROBE_TAG})
SCRIPT_SCHEMES = re.compile(r"^(javascript|vbscript|livescript|data\s*:\s*text/html)\s*:?", re.I)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _normalized_url(value: str) -> str:
    # Browsers drop control characters and whitespace from URLs before reading the scheme.
    return "".join(char for char in value if ord(char) > 32).strip()


def is_script_url(value: str) -> bool:
    return bool(SCRIPT_SCHEMES.match(_normalized_url(value)))


# The origins the test client serves (permalinks in briefs are absolute, on our own origin).
OWN_ORIGINS = ("http://localhost/", "https://localhost/")


def is_local_url(value: str) -> bool:
    """Relative, or an absolute path on this site; never another origin."""
    url = _normalized_url(value)
    if url.startswith("//") or url.startswith("\\") or url.startswith("/\\"):
        return False
    if url.lower().startswith(OWN_ORIGINS):
        return True
    return not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I)


# --------------------------------------------------------------------------------------------
# HTML


def parse_html(body: bytes | str) -> Element:
    document: Element = html5lib.parse(body, treebuilder="etree", namespaceHTMLElements=False)
    return document


def _elements(root: Element) -> Iterator[Element]:
    for element in root.iter():
        if isinstance(element.tag, str):  # comments and processing instructions are not
            yield element


def html_text(body: bytes | str) -> str:
    parts: list[str] = []
    for element in _elements(parse_html(body)):
        parts.extend([element.text or "", element.tail or ""])
        parts.extend(element.attrib.values())
    return " ".join(parts)


def _data_block_problems(element: Element) -> list[str]:
    """A ``<script type="application/ld+json">`` is data the browser never runs (the CSP does
    not apply to it); it must be JSON, and hold no ``<`` that could end the element early."""
    if element.get("type", "").lower() != "application/ld+json":
        return ["inline <script>"]
    text = element.text or ""
    try:
        json.loads(text)
    except ValueError:
        return ["a JSON-LD block that is not JSON"]
    return ["a raw < inside a JSON-LD block"] if "<" in text else []


def html_problems(body: bytes | str) -> list[str]:
    """Active content that our templates never produce: an injected tag, an event handler, a
    script URL, inline script or style, or anything loaded from another origin."""
    problems: list[str] = []
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if f"<{PROBE_TAG}" in raw.lower():
        problems.append(f"the markup holds a raw <{PROBE_TAG}> tag")
    for element in _elements(parse_html(raw)):
        tag = local_name(element.tag)
        shown = f"<{tag}>"
        if tag in NEVER:
            problems.append(f"{shown} element")
        if tag == "script" and (element.text or "").strip():
            problems += _data_block_problems(element)
        if tag == "style":
            problems.append("inline <style> (the CSP refuses it)")
        if tag == "meta" and element.get("http-equiv", "").lower() == "refresh":
            # One use is ours: "Preparing the PDF…" (templates/exports/preparing.html) sends
            # the browser on to the PDF on this site. Anything else (another site, a script
            # URL) is not.
            _delay, _, target = element.get("content", "").partition(";")
            url = target.strip()
            url = url[4:] if url.lower().startswith("url=") else ""
            if not (url.startswith("/") and not url.startswith("//") and ".pdf" in url):
                problems.append("<meta http-equiv=refresh>")
        for name, value in element.attrib.items():
            attribute = local_name(name)
            if attribute.startswith("on"):
                problems.append(f"{shown} has an event handler {attribute}={value!r}")
            elif attribute == "style":
                problems.append(f"{shown} has an inline style (the CSP refuses it)")
            elif attribute == "srcdoc":
                problems.append(f"{shown} has srcdoc")
            elif attribute in URL_ATTRIBUTES and is_script_url(value):
                problems.append(f"{shown} {attribute} is a script URL: {value!r}")
        for attribute in LOADING.get(tag, ()):
            value = element.get(attribute)
            if value is None:
                continue
            candidates = [part.split()[0] for part in value.split(",") if part.strip()]
            if attribute != "srcset":
                candidates = [value]
            for url in candidates:
                if not is_local_url(url):
                    problems.append(f"{shown} loads from another origin: {attribute}={url!r}")
        if tag == "a" and element.get("href") and not is_local_url(element.get("href", "")):
            rel = set(element.get("rel", "").lower().split())
            if not {"noopener", "noreferrer"} <= rel:
                problems.append(
                    f"<a href={element.get('href')!r}> to another site without "
                    'rel="noopener noreferrer"'
                )
    return problems


# --------------------------------------------------------------------------------------------
# XML: feeds, SVG


def parse_xml(body: bytes) -> Element:
    root: Element = ElementTree.fromstring(body)
    return root


def xml_text(body: bytes) -> str:
    parts: list[str] = []
    for element in parse_xml(body).iter():
        parts.extend([element.text or "", element.tail or ""])
        parts.extend(element.attrib.values())
    return " ".join(parts)


def xml_problems(body: bytes) -> list[str]:
    problems: list[str] = []
    for element in parse_xml(body).iter():
        if local_name(element.tag) == PROBE_TAG:
            problems.append(f"an injected <{PROBE_TAG}> element")
        # Atom and RSS carry HTML as escaped text that feed readers render: check it as HTML.
        kind = element.get("type", "").lower()
        if kind in ("html", "xhtml", "text/html") and element.text:
            problems += [
                f"in <{local_name(element.tag)}>: {p}" for p in html_problems(element.text)
            ]
        if local_name(element.tag) == "description" and element.text:  # RSS is always HTML
            problems += [f"in <description>: {p}" for p in html_problems(element.text)]
        for name, value in element.attrib.items():
            if local_name(name) in ("href", "src", "uri") and is_script_url(value):
                problems.append(f"<{local_name(element.tag)}> links to a script URL {value!r}")
    return problems


def svg_problems(body: bytes) -> list[str]:
    problems: list[str] = []
    for element in parse_xml(body).iter():
        tag = local_name(element.tag)
        if tag in ("script", "foreignobject", "iframe", PROBE_TAG):
            problems.append(f"<{tag}> in an SVG")
        for name, value in element.attrib.items():
            attribute = local_name(name)
            if attribute.startswith("on"):
                problems.append(f"<{tag}> has an event handler {attribute}")
            leaves = is_script_url(value) or not is_local_url(value)
            if attribute in ("href", "src") and leaves and not value.startswith("#"):
                problems.append(f"<{tag}> {attribute}={value!r} leaves the site or runs script")
    return problems


# --------------------------------------------------------------------------------------------
# JSON


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """(key, string) for every string in a JSON document; keys are strings too."""
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield "", str(key)
            for _, text in _strings(item):
                yield str(key), text
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def json_text(body: bytes) -> str:
    return " ".join(text for _, text in _strings(json.loads(body)))


def json_problems(body: bytes) -> list[str]:
    """JSON is data: it must parse, and a field that carries HTML must carry safe HTML."""
    problems: list[str] = []
    for key, text in _strings(json.loads(body)):
        if key.endswith("html"):
            problems += [f"in {key}: {p}" for p in html_problems(text)]
    return problems


# --------------------------------------------------------------------------------------------
# Tables and documents


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def csv_text(body: bytes) -> str:
    return " ".join(cell for row in csv_rows(body) for cell in row)


def csv_problems(body: bytes) -> list[str]:
    """A cell that starts like a formula runs in a spreadsheet (CSV injection)."""
    return [
        f"CSV cell starts like a formula: {cell[:60]!r}"
        for row in csv_rows(body)
        for cell in row
        if cell.startswith(FORMULA_START)
    ]


def _zip_xml(body: bytes, prefix: str) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if name.startswith(prefix) and (name.endswith(".xml") or name.endswith(".rels")):
                yield name, archive.read(name)


def xlsx_text(body: bytes) -> str:
    return " ".join(xml_text(data) for _, data in _zip_xml(body, "xl/"))


def xlsx_problems(body: bytes) -> list[str]:
    problems: list[str] = []
    for name, data in _zip_xml(body, "xl/"):
        for element in parse_xml(data).iter():
            tag = local_name(element.tag)
            if tag == "f":  # a formula cell: the tracker writes values only
                problems.append(f"{name}: a formula {element.text!r}")
            if tag == "relationship" and is_script_url(element.get("Target", "")):
                problems.append(f"{name}: a link to a script URL")
            problems += _fetched_on_opening(name, tag, element)
    return problems


def _fetched_on_opening(name: str, tag: str, element: Element) -> list[str]:
    """An office file's external part other than a link (an image, a template): the office
    program fetches it from another site when the file is opened."""
    if (
        tag == "relationship"
        and element.get("TargetMode") == "External"
        and not element.get("Type", "").endswith("/hyperlink")
    ):
        return [f"{name}: loads {element.get('Target')!r} from another site"]
    return []


def docx_text(body: bytes) -> str:
    return " ".join(xml_text(data) for _, data in _zip_xml(body, "word/"))


def docx_problems(body: bytes) -> list[str]:
    problems: list[str] = []
    for name, data in _zip_xml(body, "word/"):
        for element in parse_xml(data).iter():
            tag = local_name(element.tag)
            if tag in ("instrtext", "fldsimple"):  # field codes: DDEAUTO, INCLUDETEXT...
                code = element.text or element.get(
                    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}instr", ""
                )
                # Page numbers in a footer are the only fields our briefs write.
                if code.split()[:1] not in (["PAGE"], ["NUMPAGES"]):
                    problems.append(f"{name}: a field code {code!r}")
            if tag == "altchunk":
                problems.append(f"{name}: an embedded HTML/RTF chunk")
            if tag == "relationship" and is_script_url(element.get("Target", "")):
                problems.append(f"{name}: a link to a script URL")
            problems += _fetched_on_opening(name, tag, element)
    return problems


def pdf_text(body: bytes) -> str:
    try:
        from pypdf import PdfReader  # only where a PDF export exists and brings pypdf
    except ImportError:
        chunks = [body.decode("latin-1")]
        for match in re.finditer(rb"stream\r?\n(.*?)endstream", body, re.S):
            try:
                chunks.append(zlib.decompress(match.group(1)).decode("latin-1"))
            except zlib.error:
                continue
        return " ".join(chunks)
    reader = PdfReader(io.BytesIO(body))
    return " ".join(page.extract_text() or "" for page in reader.pages)


def _pdf_objects(body: bytes) -> str:
    """The PDF's own syntax (objects, decompressed streams), not the text shown on its pages:
    hostile text printed as text is what we want; hostile actions are what we look for."""
    chunks = [body.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", body, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return " ".join(chunks)


def pdf_problems(body: bytes) -> list[str]:
    objects = _pdf_objects(body)
    problems = [
        f"the PDF holds {word}"
        for word in ("/JavaScript", "/JS ", "/JS(", "/Launch", "/EmbeddedFile")
        if word in objects
    ]
    if re.search(r"/URI\s*\(\s*(javascript|data|file|vbscript):", objects, re.I):
        problems.append("the PDF links to a script or local URL")
    return problems


def ics_lines(body: bytes) -> list[str]:
    # RFC 5545 folds long lines with CRLF followed by a space; unfold before reading.
    text = body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    return text.split("\r\n")


def ics_text(body: bytes) -> str:
    return " ".join(line.split(":", 1)[-1] for line in ics_lines(body))


ICS_NAME = re.compile(r"^[A-Z][A-Z0-9-]*(;[^:]*)?:")


def ics_problems(body: bytes) -> list[str]:
    """Every line is a property; an injected newline would start a property of its own."""
    problems = []
    for line in ics_lines(body):
        if line and not ICS_NAME.match(line):
            problems.append(f"a calendar line that is not a property: {line[:60]!r}")
        if line.upper().startswith("X-INJECTED"):
            problems.append(f"an injected calendar property: {line[:60]!r}")
    if "\n" in body.decode("utf-8").replace("\r\n", ""):
        problems.append("a bare newline in the calendar (lines end with CRLF)")
    return problems


def zip_members(body: bytes) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            yield name, archive.read(name)


_BY_EXTENSION = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".md": "text/markdown",
    ".txt": "text/plain",
}


def zip_text(body: bytes) -> str:
    return " ".join(
        KINDS[_BY_EXTENSION[ext]].text(data)
        for name, data in zip_members(body)
        if (ext := name[name.rfind(".") :]) in _BY_EXTENSION
    )


def zip_problems(body: bytes) -> list[str]:
    """A data package: each table is checked as what it is; nothing else may be inside."""
    problems = []
    for name, data in zip_members(body):
        ext = name[name.rfind(".") :]
        if ext not in _BY_EXTENSION or name.startswith("/") or ".." in name:
            problems.append(f"{name}: an unexpected member of the archive")
            continue
        problems += [f"{name}: {p}" for p in KINDS[_BY_EXTENSION[ext]].problems(data)]
    return problems


def png_text(_body: bytes) -> str:
    return ""  # pixels: text drawn into a chart is checked in its SVG twin


def markdown_problems(body: bytes) -> list[str]:
    """What a Markdown viewer would load or run: raw HTML, images (a viewer fetches them on
    opening: a tracking pixel), links other than to the web or a mail address. Read by a parser
    that keeps every link as written and lets raw HTML through, as lax viewers do."""
    from markdown_it import MarkdownIt  # only where Markdown is served

    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    parser.validateLink = lambda _url: True
    problems: list[str] = []
    for block in parser.parse(body.decode("utf-8", "replace")):
        for token in [block, *(block.children or [])]:
            if token.type in ("html_block", "html_inline"):
                problems.append(f"raw HTML {token.content.strip()[:60]!r}")
            elif token.type == "image":
                problems.append(f"an image from {token.attrs.get('src')!r}")
            elif token.type == "link_open":
                href = _normalized_url(str(token.attrs.get("href", "")))
                if not re.match(r"^(https?|mailto):", href, re.I):
                    problems.append(f"a link to {href[:60]!r}")
    return problems


def png_problems(body: bytes) -> list[str]:
    return [] if body.startswith(b"\x89PNG\r\n\x1a\n") else ["not a PNG image"]


def plain_text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def no_problems(_body: bytes) -> list[str]:
    return []


# --------------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class Kind:
    name: str
    text: Callable[[bytes], str]
    problems: Callable[[bytes], list[str]]


KINDS: dict[str, Kind] = {}


def register(kind: Kind, *mimetypes: str) -> None:
    for mimetype in mimetypes:
        KINDS[mimetype] = kind


register(Kind("HTML", html_text, html_problems), "text/html", "application/xhtml+xml")
register(Kind("JSON", json_text, json_problems), "application/json", "application/problem+json")
register(
    Kind("XML", xml_text, xml_problems),
    "application/atom+xml",
    "application/rss+xml",
    "application/xml",
    "text/xml",
)
register(Kind("SVG", xml_text, svg_problems), "image/svg+xml")
register(Kind("CSV", csv_text, csv_problems), "text/csv")
register(
    Kind("XLSX", xlsx_text, xlsx_problems),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
register(
    Kind("DOCX", docx_text, docx_problems),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
register(Kind("PDF", pdf_text, pdf_problems), "application/pdf")
register(Kind("iCalendar", ics_text, ics_problems), "text/calendar")
# Shown as text by browsers (nosniff): plain text, BibTeX citations.
register(Kind("text", plain_text, no_problems), "text/plain", "application/x-bibtex")
# Markdown briefs are opened in Markdown viewers and editors, which act on what they hold.
register(Kind("Markdown", plain_text, markdown_problems), "text/markdown")
register(Kind("ZIP", zip_text, zip_problems), "application/zip")
register(Kind("PNG", png_text, png_problems), "image/png")
# Our own static files: no user data in them.
register(Kind("static", plain_text, no_problems), "text/css", "text/javascript")
register(Kind("static", plain_text, no_problems), "application/javascript")


def kind_of(mimetype: str) -> Kind | None:
    if mimetype in KINDS:
        return KINDS[mimetype]
    if mimetype.endswith("+json"):
        return KINDS["application/json"]
    if mimetype.endswith("+xml"):
        return KINDS["application/xml"]
    return None


def read(mimetype: str, body: bytes) -> tuple[str, list[str]]:
    """(all the text, problems) of a response body; an unknown type is itself a problem."""
    kind = kind_of(mimetype)
    if kind is None:
        return "", [f"no checker for {mimetype!r}: add one to tests/security/content.py"]
    try:
        return kind.text(body), kind.problems(body)
    except Exception as exc:  # a body that does not even parse as its own type
        return "", [f"the {kind.name} does not parse: {exc}"]
