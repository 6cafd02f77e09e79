"""Benchmark reading and joining a large indicator table; print seconds and peak memory.

A CSV with 1,000,000 rows (``AGS;Name`` and four value columns with German numbers and
official symbols: ``12.345``, ``12,5``, ``1.234,5``, ``-``, ``.``, ``x``, ``(12)``,
``345p``) is written to a temporary folder. Its keys are the 10,997 municipalities of
VG5000 (../shared/data/vg5000_gem_2021) plus unique AGS-shaped keys of no municipality,
so the join matches 10,997 areas and reports the other rows as table rows without
geometry. Then, each in a fresh process:

- ``geosozial``: :func:`geosozial.core.tables.read.read_table` plus
  :func:`geosozial.core.join.join_protected` with the default confidentiality rule;
- ``pandas``: ``pandas.read_csv(sep=";", decimal=",", thousands=".", dtype={"AGS": str})``
  (reading only, no symbols, no report) as a peer for the reading speed.

Peak memory is the process's maximum resident set size (``resource.getrusage``),
imports included; CPU is user + system time of the timed part (less sensitive than wall
time to other processes on the machine).

    .venv/bin/python scripts/bench_tables.py [--rows 1000000] [--keep DIR]

Not a test: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VG5000 = REPO.parent / "shared" / "data" / "vg5000_gem_2021" / "VG5000_GEM.dbf"


def dbf_column(path: Path, name: str) -> list[str]:
    """One text column of a dBASE file (standard library only)."""
    data = path.read_bytes()
    count = int.from_bytes(data[4:8], "little")
    header_size = int.from_bytes(data[8:10], "little")
    record_size = int.from_bytes(data[10:12], "little")
    offset, start, width = 1, None, 0
    for pos in range(32, header_size - 1, 32):
        field = data[pos:pos + 32]
        if field[0] == 0x0D:
            break
        fname = field[:11].split(b"\0")[0].decode("ascii")
        size = field[16]
        if fname == name:
            start, width = offset, size
        offset += size
    if start is None:
        raise SystemExit(f"{path}: no field {name}")
    out = []
    for i in range(count):
        rec = header_size + i * record_size
        out.append(data[rec + start:rec + start + width].decode("latin-1").strip())
    return out


def area_keys() -> list[str]:
    """The 10,997 AGS of VG5000 (or a synthetic stand-in if ../shared/data is missing)."""
    if VG5000.exists():
        return dbf_column(VG5000, "AGS")
    print(f"({VG5000} not found: synthetic area keys)")
    return [f"14{k:06d}" for k in range(10_997)]


def german(value: float, decimals: int) -> str:
    """``value`` written the German way: thousands dots, decimal comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def write_table(path: Path, rows: int, keys: list[str]) -> None:
    """The benchmark CSV: every area key once, the rest unique keys of no area."""
    rng = random.Random(2024)
    taken = set(keys)
    table_keys = list(keys[:rows])
    while len(table_keys) < rows:
        k = f"{rng.randint(1, 16):02d}{rng.randint(0, 999_999):06d}"
        if k not in taken:
            taken.add(k)
            table_keys.append(k)
    rng.shuffle(table_keys)
    symbols = ["-", ".", "x", "/", "..."]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("AGS;Name;Einwohner;Quote;Betrag;Fälle\n")
        for i, key in enumerate(table_keys):
            einwohner = german(rng.randint(100, 2_000_000), 0)
            quote = german(rng.random() * 40, 1)
            betrag = german(rng.random() * 1e6, 2)
            r = rng.random()
            if r < 0.02:
                faelle = symbols[i % len(symbols)]
            elif r < 0.03:
                faelle = f"({rng.randint(1, 99)})"
            elif r < 0.04:
                faelle = f"{rng.randint(1, 999)}p"
            else:
                faelle = str(rng.randint(0, 5000))
            out.write(f"{key};Gemeinde Nr. {i};{einwohner};{quote};{betrag};{faelle}\n")


OURS = """
import json, resource, sys, time
start = time.perf_counter()
from geosozial.core.confidentiality import ConfidentialityRule
from geosozial.core.join import join_protected
from geosozial.core.tables.read import read_table
keys = json.load(open(sys.argv[2]))
usage0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = usage0.ru_utime + usage0.ru_stime
t0 = time.perf_counter()
table = read_table(sys.argv[1])
t1 = time.perf_counter()
result = join_protected(keys, keys, table, rule=ConfidentialityRule())
t2 = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"read": t1 - t0, "join": t2 - t1, "total": t2 - t0,
                  "cpu": usage.ru_utime + usage.ru_stime - cpu0,
                  "with_imports": t2 - start, "rows": len(table),
                  "matched": result.report.matched,
                  "table_only": len(result.report.table_only),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PANDAS = """
import json, resource, sys, time
start = time.perf_counter()
import pandas as pd
usage0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = usage0.ru_utime + usage0.ru_stime
t0 = time.perf_counter()
frame = pd.read_csv(sys.argv[1], sep=";", decimal=",", thousands=".", dtype={"AGS": str},
                    na_values=[".", "x", "/", "..."])
t1 = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"total": t1 - t0, "with_imports": t1 - start, "rows": len(frame),
                  "cpu": usage.ru_utime + usage.ru_stime - cpu0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; its last output line is JSON."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=REPO, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the CSV here and keep it")
    args = parser.parse_args()
    keys = area_keys()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        table = folder / "grosse_tabelle.csv"
        keys_file = folder / "area_keys.json"
        start = time.perf_counter()
        write_table(table, args.rows, keys)
        keys_file.write_text(json.dumps(keys), encoding="utf-8")
        print(f"table: {args.rows:,} rows, {table.stat().st_size / 1e6:.0f} MB, "
              f"{len(keys):,} area keys (written in {time.perf_counter() - start:.1f} s)")
        ours = run(OURS, str(table), str(keys_file))
        peer = run(PANDAS, str(table))
    print(f"geosozial read_table + join_protected: {ours['total']:.2f} s "
          f"(CPU {ours['cpu']:.2f} s; read {ours['read']:.2f} s, join {ours['join']:.2f} s; "
          f"{ours['with_imports']:.2f} s with imports), peak RSS {ours['peak_mb']:.0f} MB; "
          f"matched {ours['matched']:,}, table rows without geometry {ours['table_only']:,}")
    print(f"pandas.read_csv:                       {peer['total']:.2f} s "
          f"(CPU {peer['cpu']:.2f} s), peak RSS {peer['peak_mb']:.0f} MB")
    print(f"ratio geosozial / pandas: {ours['total'] / peer['total']:.1f}x time "
          f"(reading alone {ours['read'] / peer['total']:.1f}x), "
          f"{ours['peak_mb'] / peer['peak_mb']:.1f}x memory")
    print(f"targets: <= 10 s and <= 1024 MB: "
          f"{'met' if ours['total'] <= 10 and ours['peak_mb'] <= 1024 else 'NOT met'}")


if __name__ == "__main__":
    main()
