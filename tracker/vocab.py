"""The controlled vocabularies: codes as stored and exchanged, labels as shown.

The codes are part of the interchange format (docs/domain.md); other tools write data against
them, so they are never renamed. Labels and explanations are for people and may change freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

MEASURE_KINDS: Final = MappingProxyType(
    {
        "bill": "Bill",
        "law": "Law",
        "constitutional-law": "Constitutional law",
        "amendment": "Amendment",
        "decree": "Decree",
        "regulation": "Regulation",
        "court-order": "Court order",
        "administrative-order": "Administrative order",
        "policy": "Policy",
        "practice": "Practice",
    }
)

VISIBILITY_PUBLIC: Final = "public"

VISIBILITIES: Final = MappingProxyType(
    {
        "public": "Public",
        "internal": "Internal (signed-in users only)",
    }
)

# How a public page names an internal organization or person that a public record mentions
# (the speaker of a quote, a co-signatory): it says that someone is there, as a newspaper does
# when a name is kept back, and nothing that would tell who (SECURITY.md).
WITHHELD_PERSON: Final = "Name withheld"
WITHHELD_ORGANIZATION: Final = "Organization name withheld"

# -- status axes ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A status value: its code, its label, and what it means in plain language."""

    code: str
    label: str
    meaning: str


STAGES: Final = (
    Term("drafted", "Drafted", "A draft exists but has not been formally introduced."),
    Term("introduced", "Introduced", "Formally registered with the legislature."),
    Term("in-committee", "In committee", "Being examined by a committee of the legislature."),
    Term("reading-1", "First reading", "Approved in first reading; further readings are needed."),
    Term("reading-2", "Second reading", "Approved in second reading; a final vote is needed."),
    Term("passed", "Passed", "Finally adopted by the legislature."),
    Term(
        "awaiting-signature",
        "Awaiting signature",
        "Adopted and sent to the head of state, who has not yet signed it.",
    ),
    Term("signed", "Signed", "Signed into law by the head of state."),
    Term("published", "Published", "Published in the official gazette."),
    Term("in-force", "In force", "Has taken effect."),
)
STAGE_BY_CODE: Final = MappingProxyType({term.code: term for term in STAGES})
STAGE_RANK: Final = MappingProxyType({term.code: rank for rank, term in enumerate(STAGES)})

OUTCOMES: Final = MappingProxyType(
    {
        term.code: term
        for term in (
            Term("pending", "Pending", "Still under consideration; no final decision yet."),
            Term("enacted", "Enacted", "Became law or took effect as an order."),
            Term("defeated", "Defeated", "Rejected by the legislature."),
            Term("withdrawn", "Withdrawn", "Withdrawn by those who proposed it."),
            Term("vetoed", "Vetoed", "Refused by the head of state."),
            Term("expired", "Expired", "Its time ran out without being renewed."),
            Term("struck-down", "Struck down", "Annulled by a court."),
            Term("repealed", "Repealed", "Repealed by a later act."),
        )
    }
)

FORCES: Final = MappingProxyType(
    {
        term.code: term
        for term in (
            Term("not-in-force", "Not in force", "It has no legal effect."),
            Term(
                "not-recorded", "Entry into force not recorded", "No entry into force is recorded."
            ),
            Term(
                "not-yet-in-force",
                "Not yet in force",
                "Enacted; its entry into force is recorded for a later day.",
            ),
            Term("in-force", "In force", "It has legal effect."),
            Term("partly-in-force", "Partly in force", "Some of its provisions have legal effect."),
            Term("suspended", "Suspended", "Its effect is suspended."),
            Term("expired", "Expired", "Its effect ended when its term ran out."),
            Term("no-longer-in-force", "No longer in force", "It was annulled or repealed."),
        )
    }
)

# The single status used by lists and filters (tracker.status.Status.state): the outcome, or the
# legal force once a measure is enacted.
STATES: Final = MappingProxyType(
    {
        "pending": "Pending",
        "in-force": "In force",
        "partly-in-force": "Partly in force",
        "not-recorded": "Enacted (entry into force not recorded)",
        "not-yet-in-force": "Enacted, not yet in force",
        "suspended": "Suspended",
        "expired": "Expired",
        "no-longer-in-force": "No longer in force",
        "defeated": "Defeated",
        "withdrawn": "Withdrawn",
        "vetoed": "Vetoed",
        "struck-down": "Struck down",
        "repealed": "Repealed",
    }
)

# What a status filter leaves out that a reader may take it to include: "In force" does not
# count the laws enacted with no entry into force recorded, so the list says "+2 enacted, entry
# into force not recorded" with a link to them. Each value reads after a number.
STATES_LEFT_OUT: Final = MappingProxyType(
    {
        "in-force": ("partly-in-force", "not-recorded", "not-yet-in-force"),
        "partly-in-force": ("in-force",),
        "not-yet-in-force": ("not-recorded",),
    }
)
STATE_PHRASES: Final = MappingProxyType(
    {
        "in-force": "in force",
        "partly-in-force": "partly in force",
        "not-recorded": "enacted, entry into force not recorded",
        "not-yet-in-force": "enacted, not yet in force",
    }
)

# -- event types ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventType:
    """An event type and its effect on the derived status (see tracker.status)."""

    code: str
    label: str
    past: str
    """How the event reads in a sentence: "Adopted in first reading"."""
    stage: str | None = None
    outcome: str | None = None
    force: str | None = None


EVENT_TYPES: Final = MappingProxyType(
    {
        event.code: event
        for event in (
            EventType("drafted", "Drafted", "Drafted", stage="drafted"),
            EventType(
                "published-for-consultation",
                "Published for consultation",
                "Published for consultation",
                stage="drafted",
            ),
            EventType("introduced", "Introduced", "Introduced", stage="introduced"),
            EventType(
                "committee-referral",
                "Referred to committee",
                "Referred to committee",
                stage="in-committee",
            ),
            EventType(
                "committee-approval",
                "Approved in committee",
                "Approved in committee",
                stage="in-committee",
            ),
            EventType("hearing", "Hearing", "Examined at a hearing", stage="in-committee"),
            EventType("reading-1", "First reading", "Adopted in first reading", stage="reading-1"),
            EventType(
                "reading-2", "Second reading", "Adopted in second reading", stage="reading-2"
            ),
            EventType("reading-3", "Third reading", "Adopted in third reading", stage="passed"),
            EventType("passed", "Passed", "Finally adopted", stage="passed"),
            EventType("rejected", "Rejected", "Rejected", outcome="defeated"),
            EventType("withdrawn", "Withdrawn", "Withdrawn", outcome="withdrawn"),
            EventType("lapsed", "Lapsed", "Lapsed", outcome="expired"),
            EventType(
                "sent-for-signature",
                "Sent for signature",
                "Sent to the head of state for signature",
                stage="awaiting-signature",
            ),
            EventType("vetoed", "Vetoed", "Vetoed", outcome="vetoed"),
            EventType(
                "veto-overridden",
                "Veto overridden",
                "Veto overridden by the legislature",
                stage="passed",
                outcome="pending",
            ),
            EventType("signed", "Signed", "Signed into law", stage="signed", outcome="enacted"),
            EventType(
                "published", "Published", "Published in the official gazette", stage="published"
            ),
            EventType(
                "entered-into-force",
                "Entered into force",
                "Entered into force",
                stage="in-force",
                outcome="enacted",
                force="in-force",
            ),
            EventType(
                "imposed",
                "Imposed",
                "Imposed",
                stage="in-force",
                outcome="enacted",
                force="in-force",
            ),
            EventType(
                "extended",
                "Extended",
                "Extended",
                stage="in-force",
                outcome="enacted",
                force="in-force",
            ),
            EventType("expired", "Expired", "Expired", outcome="expired", force="expired"),
            EventType("suspended", "Suspended", "Suspended", force="suspended"),
            EventType("reinstated", "Reinstated", "Reinstated after suspension", force="in-force"),
            EventType(
                "struck-down",
                "Struck down",
                "Struck down by a court",
                outcome="struck-down",
                force="no-longer-in-force",
            ),
            EventType(
                "partly-struck-down",
                "Partly struck down",
                "Partly struck down by a court",
                force="partly-in-force",
            ),
            EventType(
                "repealed",
                "Repealed",
                "Repealed",
                outcome="repealed",
                force="no-longer-in-force",
            ),
            EventType("amended", "Amended", "Amended"),
            EventType(
                "implementing-regulation",
                "Implementing regulation",
                "Implementing regulation adopted",
            ),
            EventType("enforcement-action", "Enforcement action", "Enforced"),
            EventType("court-challenge", "Court challenge", "Challenged in court"),
            EventType("court-ruling", "Court ruling", "Court ruling (upheld)"),
            EventType("international-opinion", "International opinion", "International opinion"),
            EventType("other", "Other", "Other event"),
        )
    }
)

# The order of event types in a measure's life: events the status rule places on the same day
# are applied (and listed) in this order, so that a law is signed before it enters into force.
EVENT_TYPE_RANK: Final = MappingProxyType({code: rank for rank, code in enumerate(EVENT_TYPES)})

# Events that end a bill's life before enactment. After a measure is enacted they cannot undo
# it (a law in force is repealed, struck down or expires); the status ignores them then and the
# editor is warned, with the word they probably meant.
PRE_ENACTMENT_ENDINGS: Final = MappingProxyType(
    {
        "rejected": "repealed or struck down",
        "withdrawn": "repealed",
        "lapsed": "expired",
    }
)

# Events whose end date bounds a term of legal force: a ban "until 31 March 2024" expires by
# itself after that day unless a later extension follows.
FORCE_GRANTING_EVENTS: Final = frozenset(
    {"entered-into-force", "imposed", "extended", "reinstated"}
)

# -- relations --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelationType:
    """A relation is stored once and read from both sides, with the inverse wording."""

    code: str
    label: str
    inverse: str


RELATION_TYPES: Final = MappingProxyType(
    {
        relation.code: relation
        for relation in (
            RelationType("amends", "amends", "amended by"),
            RelationType("repeals", "repeals", "repealed by"),
            RelationType("replaces", "replaces", "replaced by"),
            RelationType("extends", "extends", "extended by"),
            RelationType("implements", "implements", "implemented by"),
            RelationType("reintroduces", "reintroduces", "reintroduced as"),
            RelationType("modelled-on", "modelled on", "model for"),
            RelationType("overrides-ruling", "overrides a ruling on", "ruling overridden by"),
            RelationType("related", "related to", "related to"),
        )
    }
)

# -- organizations and statements -------------------------------------------------------------

ORGANIZATION_KINDS: Final = MappingProxyType(
    {
        "ngo": "NGO",
        "international-ngo": "International NGO",
        "intergovernmental": "Inter-governmental body",
        "un-mechanism": "UN mechanism",
        "government": "Government",
        "parliament": "Parliament",
        "court": "Court",
        "media": "Media outlet",
        "coalition": "Coalition",
        "other": "Other",
    }
)

STATEMENT_TYPES: Final = MappingProxyType(
    {
        "press-release": "Press release",
        "public-statement": "Public statement",
        "joint-letter": "Joint letter",
        "legal-analysis": "Legal analysis",
        "un-communication": "UN communication",
        "opinion": "Opinion",
        "report": "Report",
        "social-media": "Social media post",
        "interview": "Interview or comment",
    }
)

STANCES: Final = MappingProxyType(
    {
        "oppose": "Opposes",
        "concern": "Concerned",
        "support": "Supports",
        "welcome": "Welcomes",
        "neutral": "Neutral",
    }
)

ASKS: Final = MappingProxyType(
    {
        "withdraw": "Withdraw",
        "reject": "Reject",
        "veto": "Veto",
        "amend": "Amend",
        "repeal": "Repeal",
        "reconsider": "Reconsider",
        "review": "Review",
        "implement": "Implement",
    }
)
