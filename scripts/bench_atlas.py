"""Benchmark the static atlas on the demo project: a full build and a no-change rebuild.

Runs the Musterkreis project once (``run_project``, timed for information), then
builds the atlas into a copy of the run's outputs (full build: everything rendered and
written) and rebuilds it without any change, in this process and in a fresh Python
process (what ``geosozial report`` costs when nothing changed: start-up, imports, the
manifest check). Prints the times and their ratio to the goals of issue 13: full build
15 s (HTML and, later, PDF) and no-change rebuild 1.5 s.

Usage::

    .venv/bin/python scripts/bench_atlas.py [--repeat 3] [--project PROJEKT.toml]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GOAL_FULL = 15.0       # seconds, the whole atlas of the demo (HTML + PDF)
GOAL_NO_CHANGE = 1.5   # seconds, a rebuild with no changed input


def _fresh_process(project: Path, out: Path) -> float:
    code = ("import time; t = time.perf_counter(); "
            "from geosozial.atlas.build import build_atlas; "
            f"s = build_atlas({str(project)!r}, {str(out)!r}); "
            "assert not s.rebuilt and not s.written, s.text(); "
            "print(time.perf_counter() - t)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=REPO / "geodata" / "musterkreis" /
                        "projekt.toml")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (best is shown)")
    args = parser.parse_args(argv)

    from geosozial.atlas.build import build_atlas
    from geosozial.pipeline.project import run_project

    with tempfile.TemporaryDirectory(prefix="bench_atlas_") as tmp:
        run = Path(tmp) / "run"
        start = time.perf_counter()
        run_project(args.project, run)
        run_time = time.perf_counter() - start
        full, same, fresh = [], [], []
        for i in range(max(1, args.repeat)):
            site = Path(tmp) / f"site{i}"
            shutil.copytree(run, site)
            start = time.perf_counter()
            summary = build_atlas(args.project, site)
            full.append(time.perf_counter() - start)
            files = summary.pages_written
            start = time.perf_counter()
            again = build_atlas(args.project, site)
            same.append(time.perf_counter() - start)
            assert not again.rebuilt and not again.written, again.text()
            fresh.append(_fresh_process(args.project, site))
        size = sum(p.stat().st_size for name in ("assets", "indikatoren", "gemeinden",
                                                 "sozialraeume", "downloads")
                   for p in (site / name).rglob("*") if p.is_file())
    rows = [("project run (run_project, for information)", run_time, None),
            (f"atlas full build ({files} files, {size / 1e6:.1f} MB)", min(full), GOAL_FULL),
            ("atlas full build, first of the process", full[0], GOAL_FULL),
            ("no-change rebuild, same process", min(same), GOAL_NO_CHANGE),
            ("no-change rebuild, fresh Python process", min(fresh), GOAL_NO_CHANGE)]
    print(f"{'step':<52} {'seconds':>8} {'goal':>6} {'ratio':>6}")
    for label, seconds, goal in rows:
        ratio = f"{seconds / goal:.2f}" if goal else ""
        shown_goal = f"{goal:.1f}" if goal else ""
        print(f"{label:<52} {seconds:8.2f} {shown_goal:>6} {ratio:>6}")
    print("(ratio = time / goal; below 1 meets the goal; the full-build goal includes the "
          "PDF sheets, not built here)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
