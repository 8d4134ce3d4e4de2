"""Write a synthetic tracker dataset in the interchange format, as numbered batch files.

At ``--scale 1``: 100,000 measures in 190 countries, about 1,000,000 events and 200,000
statements, with mixed English and Russian/Kyrgyz text, partial and approximate dates, event
sequences that follow real legislative paths (bills that pass, stall, are rejected or vetoed;
orders imposed and extended until an end date) and statements with quotes and co-signatories.
Each batch is a valid document on its own: the first one carries the topics, organizations and
people; later ones refer to them by slug, as any import into an existing tracker would.

    python bench/generate.py --scale 1 --out bench/data/scale-1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pycountry

TOPICS = [
    ("association", "Freedom of association"),
    ("assembly", "Freedom of peaceful assembly"),
    ("expression", "Freedom of expression"),
    ("media", "Media freedom"),
    ("online-content", "Online content"),
    ("judicial-independence", "Judicial independence"),
    ("foreign-funding", "Foreign funding"),
    ("criminal-law", "Criminal law"),
    ("lgbti-rights", "LGBTI rights"),
    ("elections", "Elections"),
    ("counter-terrorism", "Counter-terrorism"),
    ("religion", "Freedom of religion"),
]

SUBJECTS_EN = [
    "non-commercial organizations",
    "foreign representatives",
    "mass media",
    "peaceful assemblies",
    "countering extremism",
    "protection of children from harmful information",
    "state secrets",
    "public associations",
    "online platforms",
    "the Constitutional Court",
    "religious organizations",
    "elections and referendums",
    "information security",
    "grants from foreign sources",
    "defamation and insult",
    "the registration of trade unions",
]
SUBJECTS_RU = [
    "о некоммерческих организациях",
    "об иностранных представителях",
    "о средствах массовой информации",
    "о мирных собраниях",
    "о противодействии экстремистской деятельности",
    "о защите детей от вредной информации",
    "о государственных секретах",
    "об общественных объединениях",
    "об онлайн-платформах",
    "о Конституционном суде",
    "о свободе вероисповедания и религиозных объединениях",
    "о выборах и референдумах",
    "об информационной безопасности",
    "о грантах из иностранных источников",
    "Коммерциялык эмес уюмдар жөнүндө",
    "Массалык маалымат каражаттары жөнүндө",
]
POPULAR = [
    "foreign agents law",
    "foreign representatives law",
    "NGO law",
    "fake news law",
    "gay propaganda law",
    "protest ban",
    "закон об иноагентах",
    "undesirable organizations law",
    "media law",
    "extremism law",
]
SENTENCES = [
    "The bill requires organizations receiving funding from abroad to register as {x}.",
    "Civil society groups warned that the measure would stigmatize {x}.",
    "It introduces criminal liability of up to ten years for {x}.",
    "The authorities say the law brings transparency to {x}.",
    "Законопроект обязывает организации, получающие финансирование из-за рубежа, "
    "регистрироваться как {x}.",
    "Правозащитники заявили, что закон направлен против {x}.",
    "Поправки вводят уголовную ответственность за {x}.",
    "Мыйзам долбоору {x} боюнча жаңы талаптарды киргизет.",
    "The Venice Commission found that the provisions on {x} are incompatible with international "
    "standards.",
    "Inspections of {x} may be carried out without notice.",
]
FILLERS = [
    "foreign agents",
    "independent media",
    "human rights defenders",
    "peaceful protesters",
    "journalists",
    "non-profit organisations",
    "иностранные агенты",
    "независимые СМИ",
    "правозащитники",
    "журналисты",
    "жарандык коом",
    "LGBTI activists",
]
ACTORS = [
    "Parliament",
    "Jogorku Kenesh",
    "State Duma",
    "Federation Council",
    "the President",
    "the Constitutional Court",
    "District Court",
    "Ministry of Justice",
    "Committee on Legal Affairs",
    "Cabinet of Ministers",
]
ORG_WORDS = [
    "Rights",
    "Justice",
    "Freedom",
    "Civic",
    "Media",
    "Legal",
    "Watch",
    "Initiative",
    "Center",
    "Foundation",
    "Защита",
    "Право",
    "Свобода",
    "Adilet",
    "Bir Duino",
]
FIRST = ["Aida", "Maisy", "Tolekan", "Dmitri", "Olga", "Bakyt", "Ainura", "John", "Maria", "Иван"]
LAST = ["Ismailova", "Weicherding", "Petrov", "Asanova", "Smith", "Karimova", "Ivanova", "Орлов"]
ROLES = [
    "Central Asia Researcher",
    "Director",
    "Legal Adviser",
    "Special Rapporteur",
    "Spokesperson",
    "Руководитель программы",
]
STANCES = ["oppose", "concern", "support", "welcome", "neutral"]
STATEMENT_TYPES = ["press-release", "public-statement", "joint-letter", "legal-analysis", "opinion"]
ASKS = ["withdraw", "reject", "veto", "amend", "repeal", "reconsider"]
KINDS = ["bill", "law", "amendment", "decree", "regulation", "court-order", "administrative-order"]

# Legislative paths: (event types in order); each measure follows one, possibly cut short.
PATHS = [
    [
        "drafted",
        "introduced",
        "committee-referral",
        "hearing",
        "reading-1",
        "committee-approval",
        "reading-2",
        "reading-3",
        "passed",
        "sent-for-signature",
        "signed",
        "published",
        "entered-into-force",
        "implementing-regulation",
        "enforcement-action",
        "court-challenge",
        "court-ruling",
    ],
    [
        "published-for-consultation",
        "introduced",
        "committee-referral",
        "reading-1",
        "international-opinion",
        "reading-2",
        "rejected",
        "introduced",
        "reading-1",
        "committee-approval",
        "hearing",
        "international-opinion",
        "withdrawn",
    ],
    [
        "introduced",
        "reading-1",
        "reading-2",
        "passed",
        "vetoed",
        "veto-overridden",
        "signed",
        "entered-into-force",
        "amended",
        "enforcement-action",
        "enforcement-action",
        "court-challenge",
        "court-ruling",
        "international-opinion",
        "repealed",
    ],
    ["drafted", "introduced", "committee-referral", "hearing", "hearing", "lapsed"],
]
ORDER_PATH = ["imposed", "court-challenge", *(["extended"] * 14)]


class Generator:
    def __init__(self, scale: float, seed: int) -> None:
        self.random = random.Random(seed)
        self.scale = scale
        codes = sorted(c.alpha_2 for c in pycountry.countries)
        self.countries = self.random.sample(codes, 190)
        self.org_slugs = [f"org-{i}" for i in range(max(50, int(2000 * scale)))]
        self.person_slugs = [f"person-{i}" for i in range(max(100, int(5000 * scale)))]
        self.source_count = max(1000, int(300_000 * scale))

    def text(self, sentences: int) -> str:
        pick = self.random.choice
        return " ".join(pick(SENTENCES).format(x=pick(FILLERS)) for _ in range(sentences))

    def date(self, day: dt.date) -> tuple[str, bool]:
        roll = self.random.random()
        approximate = self.random.random() < 0.05
        if roll < 0.72:
            return day.isoformat(), approximate
        if roll < 0.92:
            return day.isoformat()[:7], approximate
        return day.isoformat()[:4], approximate

    def source(self) -> dict[str, Any]:
        n = self.random.randrange(self.source_count)
        return {
            "url": f"https://news{n % 97}.example.org/{n // 97}/article-{n}",
            # One article has one title wherever it is cited (a random one each time made every
            # batch rewrite the sources that earlier batches had imported).
            "title": f"Report {n}: {SUBJECTS_EN[n % len(SUBJECTS_EN)]}",
            "publisher": f"News outlet {n % 97}",
            "published": None,
            "archived_url": None,
        }

    def shared(self) -> dict[str, Any]:
        pick = self.random.choice
        organizations = [
            {
                "slug": slug,
                "name": f"{pick(ORG_WORDS)} {pick(ORG_WORDS)} {i}",
                "acronym": f"{pick(ORG_WORDS)[:2].upper()}{i}",
                "kind": pick(["ngo", "international-ngo", "un-mechanism", "media", "coalition"]),
                "country": pick(self.countries),
                "url": None,
            }
            for i, slug in enumerate(self.org_slugs)
        ]
        people = [
            {
                "slug": slug,
                "name": f"{pick(FIRST)} {pick(LAST)} {i}",
                "role": pick(ROLES),
                "organization": pick(self.org_slugs),
            }
            for i, slug in enumerate(self.person_slugs)
        ]
        topics = [{"slug": slug, "name": name} for slug, name in TOPICS]
        return {"topics": topics, "organizations": organizations, "people": people}

    def events(self, kind: str) -> list[dict[str, Any]]:
        rnd = self.random
        path = ORDER_PATH if kind in {"court-order", "administrative-order"} else rnd.choice(PATHS)
        # About ten events per measure on average: a full path, sometimes cut short.
        length = min(len(path), max(2, int(rnd.gauss(12, 3))))
        day = dt.date(rnd.randint(1995, 2025), rnd.randint(1, 12), rnd.randint(1, 28))
        events = []
        seen: set[tuple[str, str]] = set()
        for code in path[:length]:
            day += dt.timedelta(days=rnd.randint(3, 120))
            day = min(day, dt.date(2027, 6, 30))
            iso, approximate = self.date(day)
            if (code, iso) in seen:
                continue
            seen.add((code, iso))
            end = None
            if code in {"imposed", "extended"}:
                end = (day + dt.timedelta(days=rnd.choice([30, 90, 180, 365]))).isoformat()
            votes = None
            if code in {"reading-1", "reading-2", "reading-3", "passed", "rejected"}:
                votes = {"for": rnd.randint(10, 400), "against": rnd.randint(0, 100)}
            events.append(
                {
                    "type": code,
                    "date": iso,
                    "approximate": approximate,
                    "end_date": end,
                    "actor": rnd.choice(ACTORS),
                    "description": self.text(rnd.randint(1, 2)),
                    "votes": votes,
                    "sources": [self.source()],
                }
            )
        return events

    def measure(self, index: int) -> dict[str, Any]:
        rnd = self.random
        country = self.countries[index % len(self.countries)]
        kind = rnd.choice(KINDS)
        subject = rnd.randrange(len(SUBJECTS_EN))
        year = rnd.randint(1995, 2026)
        cyrillic = rnd.random() < 0.4
        popular = rnd.sample(POPULAR, rnd.choice([0, 0, 0, 1, 1, 2]))
        return {
            "slug": f"{country.lower()}-{kind}-{index}",
            "country": country,
            "kind": kind,
            "title": f"{kind.replace('-', ' ').capitalize()} on {SUBJECTS_EN[subject]} "
            f"No. {index} ({year})",
            "original_title": f"Закон {SUBJECTS_RU[subject]} № {index}" if cyrillic else None,
            "original_language": rnd.choice(["ru", "ky"]) if cyrillic else None,
            "popular_names": popular,
            "identifier": f"No. {rnd.randint(1, 500)}-{year}",
            "originating_body": rnd.choice(ACTORS),
            "summary": self.text(rnd.randint(2, 5)),
            "topics": rnd.sample([slug for slug, _ in TOPICS], rnd.randint(1, 3)),
            "visibility": "internal" if rnd.random() < 0.03 else "public",
            "sources": [self.source()],
            "events": self.events(kind),
            "relations": [],
        }

    def statement(self, index: int, measures: list[dict[str, Any]]) -> dict[str, Any]:
        rnd = self.random
        about = rnd.sample(measures, rnd.choice([1, 1, 1, 2]))
        day = dt.date(rnd.randint(2000, 2026), rnd.randint(1, 12), rnd.randint(1, 28))
        iso, approximate = self.date(day)
        quotes = [
            {"text": self.text(1), "speaker": rnd.choice([None, rnd.choice(self.person_slugs)])}
            for _ in range(rnd.choice([0, 1, 1, 2]))
        ]
        reacts = None
        first = about[0]
        if first["events"] and rnd.random() < 0.1:
            event = rnd.choice(first["events"])
            reacts = {"measure": first["slug"], "type": event["type"], "date": event["date"]}
        return {
            "slug": f"statement-{index}",
            "organization": rnd.choice(self.org_slugs),
            "signatories": rnd.sample(self.org_slugs, rnd.choice([0, 0, 0, 2, 5])),
            "speaker": rnd.choice([None, rnd.choice(self.person_slugs)]),
            "type": rnd.choice(STATEMENT_TYPES),
            "stance": rnd.choice(STANCES),
            "asks": rnd.sample(ASKS, rnd.randint(0, 2)),
            "date": iso,
            "approximate": approximate,
            "title": f"{rnd.choice(['Statement on', 'Joint letter on', 'Заявление о'])} "
            f"{rnd.choice(SUBJECTS_EN)} ({first['country']})",
            "url": f"https://ngo{index % 53}.example.org/statements/{index}",
            "summary": self.text(rnd.randint(1, 3)),
            "quotes": quotes,
            "measures": [m["slug"] for m in about],
            "reacts_to": reacts,
            "visibility": "internal" if rnd.random() < 0.03 else "public",
            "sources": [],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 measures")
    parser.add_argument("--out", type=Path, required=True, help="folder for the batch files")
    parser.add_argument("--batch", type=int, default=2000, help="measures per file")
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    generator = Generator(args.scale, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("batch-*.json"):
        old.unlink()
    total = int(100_000 * args.scale)
    statements = 0
    counts = {"measures": 0, "events": 0, "statements": 0}
    for number, start in enumerate(range(0, total, args.batch)):
        document: dict[str, Any] = {"format": "tracker-dataset", "version": 1}
        if number == 0:
            document.update(generator.shared())
        measures = [generator.measure(i) for i in range(start, min(total, start + args.batch))]
        document["measures"] = measures
        wanted = 2 * len(measures)
        document["statements"] = [
            generator.statement(statements + i, measures) for i in range(wanted)
        ]
        statements += wanted
        counts["measures"] += len(measures)
        counts["events"] += sum(len(m["events"]) for m in measures)
        counts["statements"] += wanted
        path = args.out / f"batch-{number:04d}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
