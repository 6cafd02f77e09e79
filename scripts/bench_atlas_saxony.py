"""Benchmark the static atlas on all 419 Saxon municipalities (issue 13, Saxony goal).

Writes the synthetic Saxony project of ``tests/saxony_project.py`` into a temporary
folder (VG5000 municipalities of ../shared/data, Gebietsstand 01.01.2021, the 13 Kreise
as Sozialräume, seeded synthetic counts for 2021-2023, 14 indicators), then times

1. ``run_project`` (join, confidentiality, aggregation, maps, store; for information:
   the goal is about the atlas, the run is reported beside it),
2. ``build_atlas`` with the PDFs (the full atlas build into a fresh copy of the run's
   outputs), split into the time of the PDFs (``sheet_pdf`` + ``sheets_pdf`` of the
   engine, ``pack_pdf``) and the rest (model, HTML pages, charts, downloads, writing),

each best of ``--repeat`` in this one process, and reports the size of the site (the
atlas's files: index.html, vergleich.html, indikatoren/, gemeinden/, sozialraeume/,
downloads/, pdf/, assets/; not the run's maps and GeoPackages) with the ratios to the
goals of issue 13: atlas build <= 120 s, site <= 60 MB.

Usage::

    .venv/bin/python scripts/bench_atlas_saxony.py [--repeat 2] [--kreise 14522,14628]
        [--keep DIR] [--profile FILE]

``--kreise`` restricts the project to some Kreise (keys AGS[:5]); ``--keep DIR`` keeps
the project and the site there; ``--profile FILE`` writes cProfile statistics of the
last atlas build.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GOAL_ATLAS = 120.0   # seconds: the atlas of all Saxon municipalities, HTML + PDF
GOAL_SIZE = 60e6     # bytes of the site
SITE_PARTS = ("index.html", "vergleich.html", "indikatoren", "gemeinden", "sozialraeume",
              "downloads", "pdf", "assets")


def site_size(out: Path) -> dict[str, int]:
    """Bytes per part of the site (files and folders of :data:`SITE_PARTS`)."""
    sizes = {}
    for name in SITE_PARTS:
        path = out / name
        if path.is_file():
            sizes[name] = path.stat().st_size
        elif path.is_dir():
            sizes[name] = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        else:
            sizes[name] = 0
    return sizes


class _Timer:
    """Wraps the PDF functions (geosozial.atlas.pdf, .pdfpack) and adds up their time."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
        return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="repetitions (best is shown)")
    parser.add_argument("--kreise", default="", help="Kreis keys, comma-separated")
    parser.add_argument("--keep", type=Path, help="keep project and site in this folder")
    parser.add_argument("--profile", type=Path, help="cProfile output of the last build")
    args = parser.parse_args(argv)

    from geosozial.atlas import pdf as atlas_pdf
    from geosozial.atlas import pdfpack
    from geosozial.atlas.build import build_atlas
    from geosozial.pipeline.project import run_project
    from tests.saxony_project import VG5000, write_saxony_project

    if not VG5000.is_file():
        print(f"missing {VG5000}", file=sys.stderr)
        return 2
    if atlas_pdf.pdf_engine() is None:
        print("the PDF engine (typst) is missing: the build would have no PDFs",
              file=sys.stderr)
        return 2
    kreise = [k.strip() for k in args.kreise.split(",") if k.strip()] or None
    tmp = Path(tempfile.mkdtemp(prefix="bench_atlas_saxony_"))
    base = args.keep or tmp
    try:
        saxony = write_saxony_project(base / "projekt", kreise=kreise)
        n_gem = len(saxony.names)
        run_times = []
        for i in range(max(1, args.repeat)):
            run = base / f"run{i}"
            shutil.rmtree(run, ignore_errors=True)
            start = time.perf_counter()
            run_project(saxony.project, run)
            run_times.append(time.perf_counter() - start)
        atlas_times, pdf_times, files = [], [], 0
        originals = (atlas_pdf.sheet_pdf, atlas_pdf.sheets_pdf, pdfpack.pack_pdf)
        for i in range(max(1, args.repeat)):
            site = base / f"site{i}"
            shutil.rmtree(site, ignore_errors=True)
            shutil.copytree(base / "run0", site)
            timer = _Timer()
            atlas_pdf.sheet_pdf = timer.wrap(originals[0])
            atlas_pdf.sheets_pdf = timer.wrap(originals[1])
            pdfpack.pack_pdf = timer.wrap(originals[2])
            profiler = None
            if args.profile and i == args.repeat - 1:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            try:
                start = time.perf_counter()
                summary = build_atlas(saxony.project, site)
                atlas_times.append(time.perf_counter() - start)
            finally:
                if profiler is not None:
                    profiler.disable()
                    profiler.dump_stats(str(args.profile))
                atlas_pdf.sheet_pdf, atlas_pdf.sheets_pdf, pdfpack.pack_pdf = originals
            pdf_times.append(timer.seconds)
            files = summary.pages_written
        sizes = site_size(base / "site0")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    best = min(range(len(atlas_times)), key=lambda i: atlas_times[i])
    total = sum(sizes.values())
    n_areas = n_gem + len(saxony.kreise)
    print(f"Saxony: {n_gem} municipalities, {len(saxony.kreise)} Kreise as Sozialräume, "
          f"3 years, {files} atlas files ({n_areas} Sozialdatenblätter, HTML + PDF)")
    rows = [
        ("run_project (not part of the atlas goal)", min(run_times), None),
        ("atlas build, HTML + PDF (build_atlas)", atlas_times[best], GOAL_ATLAS),
        ("  of it: PDFs (engine + pack_pdf)", pdf_times[best], None),
        ("  of it: model, HTML, downloads, writing", atlas_times[best] - pdf_times[best], None),
        ("run_project + atlas build", min(run_times) + atlas_times[best], GOAL_ATLAS),
    ]
    print(f"{'step':<46} {'seconds':>8} {'goal':>6} {'ratio':>6}")
    for label, seconds, goal in rows:
        ratio = f"{seconds / goal:.2f}" if goal else ""
        shown_goal = f"{goal:.0f}" if goal else ""
        print(f"{label:<46} {seconds:8.2f} {shown_goal:>6} {ratio:>6}")
    print(f"(best of {len(atlas_times)}; all atlas builds: "
          + ", ".join(f"{t:.1f}" for t in atlas_times) + " s; the goal of 120 s is the "
          "atlas build; run_project + atlas is shown for information)")
    print(f"{'site size':<46} {total / 1e6:8.1f} MB {GOAL_SIZE / 1e6:>3.0f} "
          f"{total / GOAL_SIZE:6.2f}")
    for name, size in sizes.items():
        print(f"  {name:<44} {size / 1e6:8.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
