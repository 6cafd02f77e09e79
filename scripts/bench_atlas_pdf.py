"""Benchmark the PDF Sozialdatenblätter (geosozial.atlas.pdf, Typst) on the demo.

Runs the demo project (geodata/musterkreis/projekt.toml) into a temporary folder (not
timed), builds one sheet dict per municipality (50) and per Sozialraum (6) from the
store's long table (last year, the project's 12 indicators, series over all years), then
times:

1. the 56 single PDFs (the first one includes loading the engine and its fonts),
2. the combined PDF of all 56 sheets (contents page and bookmarks),

and prints seconds and the ratio to a budget of 10 s for both together (the whole
atlas build of the demo may take 15 s). A second round checks that the bytes repeat.

    .venv/bin/python scripts/bench_atlas_pdf.py [--rounds 2] [--out DIR]

``--out DIR`` also writes the PDFs there (to look at them). Not a test: it prints, it
asserts nothing. The Kreis value of a sheet is the median of the municipalities (the
store has no Kreis level): enough for the layout, not a Kreis rate.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from geosozial.atlas.pdf import pdf_engine, sheet_pdf, sheets_pdf
from geosozial.core.indicators import get_indicator
from geosozial.core.symbols import flag_text
from geosozial.geo.store import read_store
from geosozial.pipeline.project import load_project, run_project

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "geodata" / "musterkreis" / "projekt.toml"
BUDGET = 10.0

GROUPS = {"Armut und Arbeit": ("sgb2_quote", "kinderarmut", "elb_quote",
                               "arbeitslosenanteil"),
          "Demografie": ("jugendquotient", "altenquotient", "anteil_65plus", "anteil_u18",
                         "wanderungssaldo", "natuerlicher_saldo", "geburtenverhaeltnis",
                         "geburtenziffer")}


def build_sheets(long: Any, mapping: dict[str, str]) -> list[dict[str, Any]]:
    """One sheet dict per municipality and per Sozialraum (last year)."""
    years = sorted(int(y) for y in long["jahr"].unique())
    year = years[-1]
    cells: dict[tuple[str, str, str, int], tuple[float | None, str, bool]] = {}
    names: dict[tuple[str, str], str] = {}
    for row in long.itertuples(index=False):
        value = None if row.wert != row.wert else float(row.wert)  # NaN: no value
        cells[(row.ebene, row.schluessel, row.variable, int(row.jahr))] = (
            value, str(row.kennzeichen or ""), bool(row.umgerechnet))
        names[(row.ebene, row.schluessel)] = str(row.name)
    sr_key = {name: key for (level, key), name in names.items() if level == "Sozialraum"}

    def cell(level: str, key: str, var: str, y: int = year) -> tuple[float | None, str, bool]:
        return cells.get((level, key, var, y), (None, "keine_daten", False))

    def median(var: str) -> float | None:
        values = sorted(v for (lv, _, vr, y), (v, _, _) in cells.items()
                        if lv == "Gemeinde" and vr == var and y == year and v is not None)
        return statistics.median(values) if values else None

    kreis = {var: median(var) for ids in GROUPS.values() for var in ids}
    sheets = []
    for (level, key), name in sorted(names.items()):
        sozialraum = mapping.get(key) if level == "Gemeinde" else None
        groups = []
        for group, ids in GROUPS.items():
            indicators = []
            for var in ids:
                ind = get_indicator(var)
                value, flag, converted = cell(level, key, var)
                sr = cell("Sozialraum", sr_key[sozialraum], var)[0] if sozialraum else None
                indicators.append({
                    "id": var, "label": ind.label, "unit": ind.unit, "value": value,
                    "flag_text": "" if value is not None else flag_text(flag or "keine_daten"),
                    "sozialraum": sr, "kreis": kreis[var],
                    "deviation": None if value is None or kreis[var] is None
                    else value - kreis[var],
                    "converted": converted,
                    "series": [[y, cell(level, key, var, y)[0]] for y in years]})
            groups.append({"name": group, "indicators": indicators})
        total = cell(level, key, "bev_insg")[0]
        ages = []
        for label, var in (("unter 18 Jahre", "bev_u18"), ("65 Jahre und älter", "bev_65plus")):
            n = cell(level, key, var)[0]
            ages.append({"label": label, "value": n,
                         "share": None if n is None or not total else 100 * n / total})
        sheets.append({
            "title": f"Sozialdatenblatt {name}", "level": level, "key": key, "name": name,
            "sozialraum": sozialraum, "kreis": "Musterkreis (fiktiv)", "year": year,
            "years": years, "gebietsstand": "31.12.2023", "stand": "20.06.2024",
            "population": {"total": total, "age_groups": ages}, "groups": groups,
            "clusters": [], "notes": [], "source": "Musterkreis (fiktive Demodaten)",
            "attribution": "Fiktive Demodaten, keine amtliche Statistik"})
    return sheets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    print(f"engine: {pdf_engine()}")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        run_project(PROJECT, Path(tmp))
        long = read_store(Path(tmp) / "sozialdatenbank.gpkg").long
        print(f"demo project run (not timed): {time.perf_counter() - t:.1f} s")
    project = load_project(PROJECT)
    mapping = dict(line.split(";") for line in Path(project.source).parent.joinpath(
        "sozialraeume.csv").read_text(encoding="utf-8").splitlines()[1:])
    sheets = build_sheets(long, mapping)
    levels = [s["level"] for s in sheets]
    print(f"sheets: {levels.count('Gemeinde')} Gemeinden + {levels.count('Sozialraum')} "
          f"Sozialräume")
    previous = None
    for round_ in range(1, args.rounds + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        singles = [sheet_pdf(s) for s in sheets]
        t1 = time.perf_counter()
        combined = sheets_pdf(sheets, title="Sozialdatenblätter Musterkreis")
        t2, c2 = time.perf_counter(), time.process_time()
        total = t2 - t0
        size = sum(map(len, singles)) + len(combined)
        same = "" if previous is None else (
            ", bytes identical to round 1" if previous == (singles, combined)
            else ", BYTES DIFFER from round 1")
        print(f"round {round_}: {len(singles)} sheets {t1 - t0:.2f} s "
              f"({(t1 - t0) / len(singles) * 1000:.0f} ms each), combined "
              f"({len(sheets)} sheets) {t2 - t1:.2f} s; total {total:.2f} s = "
              f"{total / BUDGET:.2f} of the {BUDGET:.0f} s budget; CPU {c2 - c0:.2f} s; "
              f"{size / 1e6:.1f} MB{same}")
        previous = previous or (singles, combined)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for sheet, pdf in zip(sheets, previous[0], strict=True):
            (args.out / f"{sheet['key']}.pdf").write_bytes(pdf)
        (args.out / "sozialdatenblaetter.pdf").write_bytes(previous[1])
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
