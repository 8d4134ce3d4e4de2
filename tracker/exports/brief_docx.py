"""The brief as a Word document (DOCX), with python-docx.

Same content and order as the other formats: facts, status with its explanation, summary,
timeline table, key quotes, statements, related measures, numbered sources. Citation markers
are superscript links to bookmarks on the sources. The summary's Markdown is turned into Word
paragraphs, lists, bold, italics and links (no raw HTML, no images: nothing to fetch).
"""

from __future__ import annotations

import io
import re
from typing import Any

from markdown_it import MarkdownIt

from tracker.exports.brief import Brief, Fact, FrontSheet, MeasureBrief

FONT = "Arial"  # on every Word and LibreOffice install, with Cyrillic; DejaVu is not on Windows
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str | None) -> str:
    """Text Word accepts: XML 1.0 has no place for most control characters."""
    return _NOT_XML.sub("", text or "")


class _Writer:
    def __init__(self, brief: Brief) -> None:
        from docx import Document
        from docx.shared import Pt

        self.brief = brief
        self.document = Document()
        styles = self.document.styles
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10.5)
        # Word picks a font per script; name it for all of them so Cyrillic uses it too.
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(self._qn(attribute), FONT)
        for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
            styles[name].font.name = FONT
        self.bookmark_id = 0

    @staticmethod
    def _qn(name: str) -> str:
        from docx.oxml.ns import qn

        result: str = qn(name)
        return result

    # -- low-level pieces -------------------------------------------------------------------

    def paragraph(self, text: str = "", style: str | None = None) -> Any:
        paragraph = self.document.add_paragraph(style=style)
        if text:
            paragraph.add_run(_clean(text))
        return paragraph

    def run(self, paragraph: Any, text: str, bold: bool = False, italic: bool = False) -> Any:
        run = paragraph.add_run(_clean(text))
        run.bold = bold or None
        run.italic = italic or None
        return run

    def hyperlink(
        self, paragraph: Any, text: str, url: str | None = None, anchor: str = ""
    ) -> None:
        """A clickable link: to an address, or to a bookmark inside the document."""
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.oxml import OxmlElement

        link = OxmlElement("w:hyperlink")
        if url is not None:
            rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
            link.set(self._qn("r:id"), rel)
        else:
            link.set(self._qn("w:anchor"), anchor)
        run = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        color = OxmlElement("w:color")
        color.set(self._qn("w:val"), "0B5CAD")
        properties.append(color)
        if url is not None:
            underline = OxmlElement("w:u")
            underline.set(self._qn("w:val"), "single")
            properties.append(underline)
        else:
            position = OxmlElement("w:vertAlign")
            position.set(self._qn("w:val"), "superscript")
            properties.append(position)
        run.append(properties)
        text_element = OxmlElement("w:t")
        text_element.text = _clean(text)
        text_element.set(self._qn("xml:space"), "preserve")
        run.append(text_element)
        link.append(run)
        paragraph._p.append(link)

    def cites(self, paragraph: Any, numbers: tuple[int, ...]) -> None:
        for number in numbers:
            self.hyperlink(paragraph, f"[{number}]", anchor=f"cite-{number}")

    def bookmark(self, paragraph: Any, name: str) -> None:
        from docx.oxml import OxmlElement

        self.bookmark_id += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(self._qn("w:id"), str(self.bookmark_id))
        start.set(self._qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(self._qn("w:id"), str(self.bookmark_id))
        paragraph._p.insert(0, start)
        paragraph._p.append(end)

    def fact(self, fact: Fact) -> None:
        paragraph = self.paragraph(style="List Bullet")
        self.run(paragraph, f"{fact.label}: ", bold=True)
        if fact.lead:
            self.run(paragraph, fact.lead, bold=True)
            self.run(paragraph, ": ")
        if fact.url:
            self.hyperlink(paragraph, fact.value, url=fact.url)
        else:
            self.run(paragraph, fact.value)

    # -- the summary's Markdown ---------------------------------------------------------------

    def markdown(self, source: str) -> None:
        tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(source)
        lists: list[str] = []
        paragraph = None
        quote = False
        for token in tokens:
            kind = token.type
            if kind == "bullet_list_open":
                lists.append("List Bullet")
            elif kind == "ordered_list_open":
                lists.append("List Number")
            elif kind in {"bullet_list_close", "ordered_list_close"}:
                lists.pop()
            elif kind == "blockquote_open":
                quote = True
            elif kind == "blockquote_close":
                quote = False
            elif kind in {"paragraph_open", "heading_open", "th_open", "td_open"}:
                style = lists[-1] if lists else ("Quote" if quote else None)
                if kind == "heading_open":
                    style = "Heading 4"
                paragraph = self.paragraph(style=style)
            elif kind == "inline" and paragraph is not None:
                self.inline(paragraph, token.children or [])
            elif kind in {"fence", "code_block"}:
                self.paragraph(token.content.rstrip("\n"))
            elif kind in {"paragraph_close", "heading_close", "th_close", "td_close"}:
                paragraph = None

    def inline(self, paragraph: Any, children: list[Any]) -> None:
        bold = italic = False
        href: str | None = None
        label: list[str] = []
        for child in children:
            kind = child.type
            if kind == "strong_open":
                bold = True
            elif kind == "strong_close":
                bold = False
            elif kind == "em_open":
                italic = True
            elif kind == "em_close":
                italic = False
            elif kind == "link_open":
                target = str(child.attrs.get("href", ""))
                # The same rule as the web page's sanitizer: only web and mail links.
                href = target if target.startswith(("http://", "https://", "mailto:")) else None
                label = []
            elif kind == "link_close":
                if href:
                    self.hyperlink(paragraph, "".join(label) or href, url=href)
                else:
                    self.run(paragraph, "".join(label), bold, italic)
                href = None
                label = []
            elif kind in {"text", "code_inline"}:
                if href is not None or label:
                    label.append(child.content)
                else:
                    self.run(paragraph, child.content, bold, italic)
            elif kind in {"softbreak"}:
                self.run(paragraph, " ")
            elif kind == "hardbreak":
                paragraph.add_run().add_break()

    # -- the brief ----------------------------------------------------------------------------

    def measure(self, m: MeasureBrief, level: int) -> None:
        brief = self.brief
        for fact in m.facts:
            self.fact(fact)

        self.document.add_heading(
            _clean(f"Status on {brief.as_of_text}: {m.status_headline}"), level
        )
        for line in m.status:
            paragraph = self.paragraph(style="List Bullet")
            self.run(paragraph, f"{line.axis}: {line.label}. ", bold=True)
            self.run(paragraph, line.explanation)
            self.cites(paragraph, line.citations)

        if m.summary_markdown:
            self.document.add_heading("Summary", level)
            self.markdown(m.summary_markdown)
            if m.summary_citations:
                paragraph = self.paragraph("Sources for this summary: ")
                self.cites(paragraph, m.summary_citations)

        self.document.add_heading("Timeline", level)
        if m.events:
            table = self.document.add_table(rows=1, cols=2)
            table.style = "Table Grid"
            header = table.rows[0].cells
            header[0].paragraphs[0].add_run("Date").bold = True
            header[1].paragraphs[0].add_run("What happened").bold = True
            for event in m.events:
                cells = table.add_row().cells
                self.run(cells[0].paragraphs[0], event.date.format())
                if event.date.unknown:
                    self.run(cells[0].paragraphs[0], f" ({event.date.unknown})")
                what = cells[1].paragraphs[0]
                self.run(what, event.label, bold=True)
                rest = ""
                if event.actor:
                    rest += f" — {event.actor}"
                if event.end_date:
                    rest += f", until {event.end_date.format()}"
                self.run(what, rest + ".")
                self.cites(what, event.citations)
                if event.description:
                    cells[1].add_paragraph(_clean(event.description))
                if event.votes:
                    cells[1].add_paragraph(_clean(f"Vote: {event.votes}."))
        else:
            self.paragraph("No events recorded.")
        if m.hidden_events:
            self.paragraph(
                f"{m.hidden_events} later event(s) not included: this brief shows the measure "
                f"as of {brief.as_of_text}."
            )

        if m.quotes:
            self.document.add_heading("Key quotes", level)
            for quote in m.quotes:
                paragraph = self.paragraph(style="Quote")
                self.run(paragraph, f"“{quote.text}”")
                self.cites(paragraph, quote.citations)
                attribution = self.paragraph()
                self.run(attribution, f"— {quote.attribution}. From ")
                self.hyperlink(attribution, quote.statement_title, url=quote.statement_url)
                self.run(attribution, ".")
                if quote.internal:
                    self.run(attribution, " [Internal]", bold=True)

        self.document.add_heading("Statements", level)
        for statement in m.statements:
            paragraph = self.paragraph(style="List Bullet")
            if statement.internal:
                self.run(paragraph, "[Internal] ", bold=True)
            self.run(paragraph, statement.date.format(), bold=True)
            who = f" — {statement.organization}"
            if statement.signatories:
                count = len(statement.signatories)
                names = ", ".join(statement.signatories)
                who += f" and {count} co-signator{'ies' if count != 1 else 'y'} ({names})"
            if statement.type_label:
                who += f", {statement.type_label.lower()}"
            self.run(paragraph, who + ": ")
            self.hyperlink(paragraph, statement.title, url=statement.url)
            self.cites(paragraph, statement.citations)
            details = []
            if statement.stance_label:
                details.append(f"Stance: {statement.stance_label}.")
            if statement.asks:
                details.append(f"Asks: {', '.join(statement.asks).lower()}.")
            if details:
                self.run(paragraph, " " + " ".join(details), italic=True)
        if not m.statements:
            self.paragraph("No statements recorded.")

        if m.relations:
            self.document.add_heading("Related measures", level)
            for relation in m.relations:
                paragraph = self.paragraph(style="List Bullet")
                self.run(paragraph, relation.wording.capitalize() + " ")
                self.hyperlink(paragraph, relation.title, url=relation.url)
                note = f": {relation.note}" if relation.note else ""
                self.run(paragraph, f" ({relation.country}){note}")

    def front_sheet(self, front: FrontSheet, brief: Brief) -> None:
        """The front sheet, on a page of its own: the full record follows as an appendix."""
        self.paragraph(f"{brief.site_name} · Brief · as of {brief.as_of_text}")
        self.document.add_heading(_clean(front.title), 0)
        status = self.paragraph()
        self.run(status, f"{brief.measures[0].status_headline}. ", bold=True)
        self.run(status, front.status)
        self.document.add_heading("Key dates", 1)
        for event in front.key_dates:
            line = self.paragraph(style="List Bullet")
            self.run(line, f"{event.date.format()}: ", bold=True)
            actor = f" ({event.actor})" if event.actor else ""
            until = f", until {event.end_date.format()}" if event.end_date else ""
            self.run(line, f"{event.label}{actor}{until}.")
            self.cites(line, event.citations)
        if not front.key_dates:
            self.paragraph(f"No events recorded by {brief.as_of_text}.")
        if front.quotes:
            self.document.add_heading("What they said", 1)
            for quote in front.quotes:
                paragraph = self.paragraph(style="Quote")
                self.run(paragraph, f"“{quote.text}”")
                self.cites(paragraph, quote.citations)
                self.paragraph(f"— {quote.attribution}")
        self.document.add_heading("What comes next", 1)
        self.paragraph(front.next)
        self.document.add_page_break()  # type: ignore[no-untyped-call]  # python-docx is untyped here

    def write(self) -> bytes:
        from docx.oxml import OxmlElement

        brief = self.brief
        properties = self.document.core_properties
        properties.title = _clean(brief.title)[:255]
        properties.subject = "Brief"
        properties.author = brief.site_name
        properties.comments = _clean(f"As of {brief.as_of_text}. Permalink: {brief.url}")[:255]
        # Both stamps from the brief's one clock reading (python-docx would take the wall clock).
        properties.created = properties.modified = brief.generated.replace(tzinfo=None)
        properties.language = "en"

        count = len(brief.measures)
        kicker = f"{brief.site_name} · Brief" + (
            f" of {count} measure{'s' if count != 1 else ''}" if brief.is_selection else ""
        )
        front = None if brief.is_selection or not brief.measures else brief.measures[0].front
        if front is not None:
            self.front_sheet(front, brief)
            kicker = "Appendix: the full record"
        self.paragraph(kicker)
        self.document.add_heading(_clean(brief.title), 0 if front is None else 1)
        if brief.description:
            self.paragraph(brief.description)
        meta = self.paragraph()
        self.run(meta, "As of: ", bold=True)
        self.run(meta, brief.as_of_text)
        self.run(meta, "    Generated: ", bold=True)
        self.run(meta, brief.generated_text)
        permalink = self.paragraph()
        self.run(permalink, "Permalink: ", bold=True)
        self.hyperlink(permalink, brief.url, url=brief.url)
        if brief.has_internal:
            warning = self.paragraph()
            self.run(
                warning,
                "This brief includes internal records (marked [Internal]), which only "
                "signed-in users see. Do not publish them.",
                bold=True,
            )
        self.paragraph(
            "Statuses are derived from the events recorded up to the “as of” date, never typed "
            "in. Numbers in brackets refer to the sources listed at the end. Dates are shown as "
            "precisely as they are known (“April 2024” means the day is not known; “c.” marks "
            "an approximate date)."
        )

        if brief.is_selection:
            self.document.add_heading("Overview", 1)
            if brief.measures:
                table = self.document.add_table(rows=1, cols=4)
                table.style = "Table Grid"
                for cell, label in zip(
                    table.rows[0].cells, ("Measure", "Country", "Kind", "Status"), strict=True
                ):
                    cell.paragraphs[0].add_run(label).bold = True
                for m in brief.measures:
                    cells = table.add_row().cells
                    for cell, value in zip(
                        cells, (m.title, m.country, m.kind, m.status_headline), strict=True
                    ):
                        cell.paragraphs[0].add_run(_clean(value))
            else:
                self.paragraph("No measure matches these filters.")

        for m in brief.measures:
            if brief.is_selection:
                self.document.add_heading(_clean(m.title), 1)
                self.measure(m, level=2)
            else:
                self.measure(m, level=1)

        self.document.add_heading("Sources", 1)
        for citation in brief.citations:
            paragraph = self.paragraph()
            self.bookmark(paragraph, f"cite-{citation.number}")
            self.run(paragraph, f"[{citation.number}] {citation.text}. ")
            self.hyperlink(paragraph, citation.url, url=citation.url)
            if citation.archived_url:
                self.run(paragraph, " (archived copy: ")
                self.hyperlink(paragraph, citation.archived_url, url=citation.archived_url)
                self.run(paragraph, ")")
            if citation.accessed:
                self.run(paragraph, f", accessed {citation.accessed.strftime('%-d %B %Y')}")
            self.run(paragraph, ".")
        if not brief.citations:
            self.paragraph("No sources cited.")

        closing = self.paragraph()
        self.run(
            closing,
            f"Brief generated by {brief.site_name} on {brief.generated_text} from the records "
            f"as of {brief.as_of_text}.",
            italic=True,
        )

        footer = self.document.sections[0].footer.paragraphs[0]
        footer.add_run(_clean(f"{brief.site_name} · As of {brief.as_of_text} · Page "))
        field = OxmlElement("w:fldSimple")
        field.set(self._qn("w:instr"), "PAGE")
        number = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        number.append(text)
        field.append(number)
        footer._p.append(field)

        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def render_docx(brief: Brief) -> bytes:
    """The brief as DOCX bytes."""
    return _Writer(brief).write()
