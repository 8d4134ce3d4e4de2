"""How long a PDF brief takes: the first one a fresh worker makes, and the later ones.

Issue 16: "the first PDF of a measure took 21 s with no feedback". This script seeds a
throwaway tracker, then in a fresh Python process (as a newly started worker is) asks for:

- the "Preparing the PDF…" page the links lead to (what the reader sees at once);
- the first PDF of a measure (the worker loads WeasyPrint and its fonts, then lays it out);
- the same PDF again (answered from the page cache: a later request);
- another measure's PDF (warm worker, not cached: the layout alone);
- the brief of a selection (the seven measures of Kyrgyzstan).

Each figure is the median of ``--runs`` fresh processes. Run from a checkout:

    .venv/bin/python bench/brief_pdf.py            # --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

CHILD = r"""
import json, sys, time
started = time.perf_counter()
from tracker import create_app
app = create_app()
client = app.test_client()
law = "/measures/kg-foreign-representatives-law-2024"
figures = {"app": time.perf_counter() - started}
if sys.argv[1] == "warmed":  # as `tracker serve` does in each worker, in the background
    from tracker.exports import brief_pdf
    start = time.perf_counter()
    brief_pdf.warm_up()
    figures["warm-up at worker start"] = time.perf_counter() - start

def timed(name, path, kind):
    start = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == kind, (path, response.mimetype)
    figures[name] = time.perf_counter() - start

timed("preparing page", law + "/brief/pdf", "text/html")
timed("first PDF of the worker", law + "/brief.pdf", "application/pdf")
timed("same PDF again (later)", law + "/brief.pdf", "application/pdf")
timed("another measure's PDF", "/measures/kg-mass-media-law-2025/brief.pdf", "application/pdf")
timed("selection of 7 measures", "/brief.pdf?country=KG", "application/pdf")
print(json.dumps(figures))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="tracker-bench-pdf-") as folder:
        env = {
            **os.environ,
            "TRACKER_INSTANCE_PATH": folder,
            "TRACKER_TODAY": "2026-11-28",
            "TRACKER_SECRET_KEY": "bench",
        }
        tracker = str(Path(PYTHON).with_name("tracker"))
        subprocess.run([tracker, "seed"], env=env, check=True, capture_output=True)
        for mode in ("cold", "warmed"):
            results[mode] = []
            for _ in range(args.runs):
                done = subprocess.run(
                    [PYTHON, "-c", CHILD, mode], env=env, capture_output=True, text=True
                )
                if done.returncode:
                    sys.exit(f"the {mode} run failed:\n{done.stderr[-3000:]}")
                results[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"PDF briefs of the seed data, median of {args.runs} fresh worker processes, seconds")
    for mode, label in (("cold", "no warm-up"), ("warmed", "warmed up at start (tracker serve)")):
        runs = results[mode]
        print(f"{label}:")
        for name in runs[0]:
            values = [run[name] for run in runs]
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {name:<28} {statistics.median(values):7.2f}   (runs: {shown})")


if __name__ == "__main__":
    main()
