"""The brief as Markdown: plain text a journalist can paste into an editor or a wiki.

Citations are written ``[3]`` and listed under "Sources" at the end; with no link definition
of that name, every Markdown renderer shows them as they are. Text from the records is escaped
so that a title with ``*`` or ``[`` stays a title, and the summary (already Markdown) keeps its
formatting but nothing the web page's sanitizer would remove: no raw HTML, no image (which would
make the reader's viewer fetch a third party's address: a tracking pixel on whoever opens the
brief), no link other than to the web or a mail address (tracker.markup.safe_markdown).
"""

from __future__ import annotations

import re

from tracker.exports.brief import Brief, Fact, FrontSheet, MeasureBrief
from tracker.markup import safe_markdown

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.MULTILINE)


def text(value: str | None) -> str:
    """Record text on one line, with Markdown's special characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join((value or "").split()))


def link(label: str, url: str) -> str:
    return f"[{text(label)}]({_url(url)})"


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace(">", "%3E")


def autolink(url: str) -> str:
    return f"<{_url(url)}>"


def cites(numbers: tuple[int, ...]) -> str:
    return (" " + "".join(f"[{n}]" for n in numbers)) if numbers else ""


def summary(markdown: str, level: int) -> str:
    """The researcher's Markdown made safe as the web page makes it (tracker.markup: no raw
    HTML, no images, web and mail links only), headings moved below ``level``."""
    inert = safe_markdown(markdown)
    return _HEADING.sub(lambda m: "#" * max(len(m.group(1)), level + 1), inert).strip()


def _fact(fact: Fact) -> str:
    value = text(fact.value)
    if fact.url:
        value = autolink(fact.url) if fact.value == fact.url else link(fact.value, fact.url)
    return f"**{text(fact.lead)}**: {value}" if fact.lead else value


def _measure(m: MeasureBrief, brief: Brief, level: int) -> list[str]:
    h = "#" * level
    lines: list[str] = []
    lines += [f"- **{text(fact.label)}:** {_fact(fact)}" for fact in m.facts]

    lines += ["", f"{h} Status on {brief.as_of_text}: {text(m.status_headline)}", ""]
    for line in m.status:
        head = f"**{line.axis}: {text(line.label)}.**"
        lines.append(f"- {head} {text(line.explanation)}{cites(line.citations)}")

    if m.summary_markdown:
        lines += ["", f"{h} Summary", "", summary(m.summary_markdown, level)]
        if m.summary_citations:
            lines += ["", f"Sources for this summary:{cites(m.summary_citations)}"]

    lines += ["", f"{h} Timeline", ""]
    for event in m.events:
        unknown = f" ({event.date.unknown})" if event.date.unknown else ""
        what = f"**{text(event.date.format())}**{text(unknown)} — {text(event.label)}"
        if event.actor:
            what += f" — {text(event.actor)}"
        if event.end_date:
            what += f", until {text(event.end_date.format())}"
        what += f".{cites(event.citations)}"
        lines.append(f"- {what}")
        if event.description:
            lines.append(f"  {text(event.description)}")
        if event.votes:
            lines.append(f"  Vote: {text(event.votes)}.")
    if not m.events:
        lines.append("No events recorded.")
    if m.hidden_events:
        lines += [
            "",
            f"*{m.hidden_events} later event(s) not included: this brief shows the measure "
            f"as of {brief.as_of_text}.*",
        ]

    if m.quotes:
        lines += ["", f"{h} Key quotes", ""]
        for quote in m.quotes:
            origin = link(quote.statement_title, quote.statement_url)
            mark = " **\\[Internal\\]**" if quote.internal else ""
            lines += [
                f"> “{text(quote.text)}”{cites(quote.citations)}",
                ">",
                f"> — {text(quote.attribution)}. From {origin}.{mark}",
                "",
            ]
        lines.pop()

    lines += ["", f"{h} Statements", ""]
    for statement in m.statements:
        who = text(statement.organization)
        if statement.signatories:
            names = text(", ".join(statement.signatories))
            count = len(statement.signatories)
            who += f" and {count} co-signator{'ies' if count != 1 else 'y'} ({names})"
        if statement.type_label:
            who += f", {text(statement.type_label.lower())}"
        mark = "**\\[Internal\\]** " if statement.internal else ""
        lines.append(
            f"- {mark}**{text(statement.date.format())}** — {who}: "
            f"{link(statement.title, statement.url)}{cites(statement.citations)}"
        )
        details = []
        if statement.stance_label:
            details.append(f"Stance: {text(statement.stance_label)}.")
        if statement.asks:
            details.append(f"Asks: {text(', '.join(statement.asks).lower())}.")
        if details:
            lines.append("  " + " ".join(details))
    if not m.statements:
        lines.append("No statements recorded.")

    if m.relations:
        lines += ["", f"{h} Related measures", ""]
        for relation in m.relations:
            note = f": {text(relation.note)}" if relation.note else ""
            lines.append(
                f"- {text(relation.wording.capitalize())} {link(relation.title, relation.url)} "
                f"({text(relation.country)}){note}"
            )
    return lines


def _front(front: FrontSheet, brief: Brief) -> list[str]:
    """The front sheet: what a reader needs first; the full record follows as an appendix."""
    lines = [
        f"# {text(front.title)}",
        "",
        f"{text(brief.site_name)} · Brief · as of {brief.as_of_text}",
        "",
        f"**{text(brief.measures[0].status_headline)}.** {text(front.status)}",
        "",
        "## Key dates",
        "",
    ]
    for e in front.key_dates:
        until = f", until {e.end_date.format()}" if e.end_date else ""
        actor = f" ({text(e.actor)})" if e.actor else ""
        lines.append(f"- **{e.date.format()}**: {text(e.label)}{actor}{until}.{cites(e.citations)}")
    if not front.key_dates:
        lines.append(f"No events recorded by {brief.as_of_text}.")
    if front.quotes:
        lines += ["", "## What they said", ""]
        for q in front.quotes:
            lines += [f"> “{text(q.text)}”{cites(q.citations)}  ", f"> — {text(q.attribution)}", ""]
    lines += ["", "## What comes next", "", text(front.next), "", "---", ""]
    return lines


def render_markdown(brief: Brief) -> str:
    """The whole brief as one Markdown document."""
    count = len(brief.measures)
    kind = f"Brief of {count} measure{'s' if count != 1 else ''}" if brief.is_selection else "Brief"
    front = None if brief.is_selection or not brief.measures else brief.measures[0].front
    if front:
        lines = [
            *_front(front, brief),
            "## Appendix: the full record",
            "",
            f"**{text(brief.title)}**",
        ]
    else:
        lines = [f"# {text(brief.title)}"]
    lines += [
        "",
        f"{text(brief.site_name)} · {kind}  ",
        f"As of **{brief.as_of_text}** · Generated {brief.generated_text}  ",
        f"Permalink: {autolink(brief.url)}",
    ]
    if brief.description:
        lines += ["", text(brief.description)]
    if brief.has_internal:
        lines += [
            "",
            "> **This brief includes internal records** (marked \\[Internal\\]), which only "
            "signed-in users see. Do not publish them.",
        ]
    lines += [
        "",
        "> Statuses are derived from the events recorded up to the “as of” date, never typed "
        "in. Numbers in brackets refer to the sources listed at the end. Dates are shown as "
        "precisely as they are known (“April 2024” means the day is not known; “c.” marks an "
        "approximate date).",
    ]
    if brief.is_selection:
        lines += ["", "## Overview", ""]
        if brief.measures:
            lines += ["| Measure | Country | Kind | Status |", "|---|---|---|---|"]
            lines += [
                f"| {text(m.title)} | {text(m.country)} | {text(m.kind)} | "
                f"{text(m.status_headline)} |"
                for m in brief.measures
            ]
        else:
            lines.append("No measure matches these filters.")
    for m in brief.measures:
        lines.append("")
        if brief.is_selection:
            lines += [f"## {text(m.title)}", ""]
            lines += _measure(m, brief, level=3)
        else:
            lines += _measure(m, brief, level=2)
    lines += ["", "## Sources", ""]
    for citation in brief.citations:
        entry = f"{citation.number}. {text(citation.text)}. {autolink(citation.url)}"
        if citation.archived_url:
            entry += f" (archived copy: {autolink(citation.archived_url)})"
        if citation.accessed:
            entry += f", accessed {citation.accessed.strftime('%-d %B %Y')}"
        lines.append(entry + ".")
    if not brief.citations:
        lines.append("No sources cited.")
    lines += [
        "",
        "---",
        "",
        f"Brief generated by {text(brief.site_name)} on {brief.generated_text} from the records "
        f"as of {brief.as_of_text}. The live record is at {autolink(brief.url)}.",
        "",
    ]
    return "\n".join(lines)
