"""Figures: how readable the timeline is at a glance, and what an embed costs to draw.

    .venv/bin/python bench/chart_glance.py [--runs 5]

On the shipped seed (plus Georgia's law from tests/data, as the browser tests have it) and on a
crowded generated case (40 measures, 1,000 events, from bench/timeline.py), it prints:

- marks drawn, and how many have their centre covered by another mark when each is drawn on
  its own (as the timeline did before issue 16) and once marks close together are grouped;
- the years the axis spans, fitted to the events and with the whole history;
- the median time to draw the embed of the timeline (the chart at four widths) and the page's
  chart alone, in milliseconds.

It uses a temporary SQLite database and removes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from bench.timeline import generate
from tracker import create_app, migrate, paths
from tracker import interchange as dataset
from tracker.charts import svg
from tracker.charts.timeline import TimelineLayout, layout_timeline
from tracker.db import build_engine, get_session
from tracker.services.measures import MeasureFilters
from tracker.services.timeline import build_timeline
from tracker.viewpoint import Viewpoint
from tracker.web.charts import EMBED_WIDTHS, ChartLinks

TODAY = dt.date(2026, 11, 28)
GEORGIA = Path(__file__).resolve().parents[1] / "tests" / "data" / "georgia.json"


def covered(targets: Iterable[list[tuple[float, float, float, float]]]) -> int:
    """How many marks have their centre under what another target draws.

    A target is what a reader points at: a mark on its own, or a group of marks close together
    (its marks and its "+N" badge), which lists them all; only another target can hide a mark.
    """
    items = list(targets)
    count = 0
    for index, boxes in enumerate(items):
        for x, y, width, height in boxes:
            cx, cy = x + width / 2, y + height / 2
            if any(
                other != index and ox <= cx <= ox + ow and oy <= cy <= oy + oh
                for other, others in enumerate(items)
                for ox, oy, ow, oh in others
            ):
                count += 1
    return count


def figures(name: str, layout: TimelineLayout, whole: TimelineLayout) -> None:
    marks = [m for lane in layout.lanes for m in lane.marks]
    alone = covered([[(m.x, m.y, m.width, m.height)] for m in marks])
    targets = [[(m.x, m.y, m.width, m.height)] for m in marks if not m.grouped]
    for lane in layout.lanes:
        for group in lane.groups:
            boxes = [(m.x, m.y, m.width, m.height) for m in group.marks]
            boxes.append((group.badge_x, group.cy - 6, group.badge_width, 12))
            targets.append(boxes)
    print(f"{name}: {len(marks)} marks on the fitted axis")
    print(f"  covered at their centre, each drawn alone: {alone}")
    print(
        f"  covered at their centre, grouped:          {covered(targets)}  ({layout.groups} groups)"
    )
    print(
        f"  axis: fitted {layout.scale.start} to {layout.scale.end}; "
        f"whole history {whole.scale.start} to {whole.scale.end}"
    )
    whole_marks = [m for lane in whole.lanes for m in lane.marks]
    whole_alone = covered([[(m.x, m.y, m.width, m.height)] for m in whole_marks])
    print(f"  whole history: {len(whole_marks)} marks, {whole_alone} covered when drawn alone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tracker-glance-"))
    url = f"sqlite:///{workdir / 'glance.sqlite3'}"
    try:
        engine = build_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "TODAY": TODAY.isoformat(),
                "INSTANCE_PATH": str(workdir / "instance"),
            }
        )
        with app.test_request_context("/timeline/"):
            session = get_session()
            for document in (
                json.loads(paths.seed_file().read_text(encoding="utf-8")),
                json.loads(GEORGIA.read_text(encoding="utf-8")),
            ):
                dataset.import_dataset(session, document)
            session.commit()
            view = Viewpoint(TODAY, "anonymous")
            seed = build_timeline(session, MeasureFilters(), view, TODAY)
            figures(
                "seed, all countries",
                layout_timeline(seed),
                layout_timeline(seed, whole_history=True),
            )
            dataset.import_dataset(session, generate(40, 1000, seed=3))
            session.commit()
            crowded = build_timeline(session, MeasureFilters(query="benchmark"), view, TODAY)
            figures(
                "generated, 40 measures and 1,000 events",
                layout_timeline(crowded),
                layout_timeline(crowded, whole_history=True),
            )
            links = ChartLinks(None, absolute=True)

            def page() -> None:
                svg.timeline_svg(layout_timeline(seed), links)

            def embed() -> None:
                for width in EMBED_WIDTHS:
                    svg.timeline_svg(
                        layout_timeline(seed, caption=True, width=width), links, target="_blank"
                    )

            for name, work in (("page chart (960 px)", page), ("embed (4 widths)", embed)):
                times = []
                for _ in range(args.runs + 1):
                    started = time.perf_counter()
                    work()
                    times.append((time.perf_counter() - started) * 1000)
                print(f"seed, draw {name}: median {statistics.median(times[1:]):.1f} ms")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
