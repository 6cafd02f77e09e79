"""Build the QGIS plugin zip and run tests/qgis inside real QGIS.

tests/qgis runs with Debian's /usr/bin/python3 and the Debian packages python3-qgis,
qgis-providers, python3-scipy and python3-pytest, with nothing on PYTHONPATH but the
extracted plugin zip, under QT_QPA_PLATFORM=offscreen. The expected results for the
parity tests are written here with the ``geosozial`` command line (same seed): the
inputs (demo project, the Mittelsachsen municipalities of VG5000, synthetic tables with
text columns, small counts, duplicate keys, official symbols, a classic GENESIS layout
and an XLSX workbook) and, per case, the CLI arguments, the equivalent
``processing.run`` parameters and the CLI's output go into ``expected/parity.json``,
which tests/qgis/test_parity.py replays. Without QGIS the test is skipped locally and
fails in CI (environment variable CI set).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from datasets import DEMO, REPO, SHARED, VG5000

from geosozial.cli import main
from geosozial.core.tables.xlsx import write_minimal_xlsx
from geosozial.layers import QGIS_SAFE, layer_of

QGIS_PYTHON = "/usr/bin/python3"
sys.path.insert(0, str(REPO / "scripts"))
import build_plugin  # noqa: E402


def _qgis_ready() -> str | None:
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} missing"
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core, scipy, pytest"],
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    if probe.returncode != 0:
        return ("Debian's python3-qgis, qgis-providers, python3-scipy and python3-pytest are "
                "needed: " + probe.stderr.strip().splitlines()[-1])
    return None


def test_plugin_zip_is_reproducible_and_carries_only_pure_python(tmp_path: Path):
    first = build_plugin.build(tmp_path / "a")
    second = build_plugin.build(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert first.name == "geosozial_qgis-0.1.0.zip"
    names = zipfile.ZipFile(first).namelist()
    assert "geosozial_qgis/metadata.txt" in names
    assert "geosozial_qgis/ext/LICENSES/leaflet-LICENSE" in names
    assert any(n.startswith("geosozial_qgis/ext/LICENSES/folium") for n in names)
    assert any(n.startswith("geosozial_qgis/ext/LICENSES/branca") for n in names)
    # project files in QGIS builds with Python < 3.11: tomli's sources, not its mypyc build
    assert {"geosozial_qgis/ext/tomli/_parser.py", "geosozial_qgis/ext/LICENSES/tomli-LICENSE"} \
        <= set(names)
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dll", ".pyc"))]
    library = {n.split("/ext/geosozial/", 1)[1] for n in names if "/ext/geosozial/" in n}
    # the core travels with the plugin (no re-implementation in it) ...
    for module in ("__init__.py", "layers.py", "core/join.py", "core/protect.py",
                   "core/confidentiality.py", "core/sozialraum.py", "core/tables/read.py",
                   "core/tables/genesis.py", "core/tables/xlsx.py", "kernel/local.py",
                   "maps/html.py", "maps/assets/map.js", "maps/vendor/leaflet/leaflet.js"):
        assert module in library, module
    # ... the pandas/geopandas doors never do
    assert not [m for m in library if m.startswith(("geo/", "pipeline/", "cli/"))
                or m == "api.py"]
    # the atlas does (it reads the store with sqlite3), with its assets
    assert {"atlas/build.py", "atlas/data.py", "core/store_file.py", "core/wkb.py"} <= library
    assert any(m.startswith("atlas/assets/") for m in library)
    # and the list follows from the layer rules: every module of a QGIS-safe layer is in
    package = REPO / "geosozial"
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if "__pycache__" in relative.parts:
            continue
        name = ".".join(["geosozial", *relative.with_suffix("").parts]).removesuffix(
            ".__init__")
        expected_in = layer_of(name) in (*QGIS_SAFE, "layers")
        assert (relative.as_posix() in library) == expected_in, relative
    metadata = zipfile.ZipFile(first).read("geosozial_qgis/metadata.txt").decode()
    for line in ("hasProcessingProvider=yes", "qgisMinimumVersion=3.22",
                 "qgisMaximumVersion=4.99", "version=0.1.0"):
        assert line in metadata


def test_import_check_refuses_binary_wheels():
    problems = build_plugin.check_imports({
        "geosozial_qgis/ext/geosozial/x.py": b"import shapely\nfrom pandas import DataFrame\n",
        "geosozial_qgis/alg.py": b"import numpy\nfrom qgis.core import QgsFeature\n"})
    assert problems == ["geosozial_qgis/ext/geosozial/x.py: import shapely",
                        "geosozial_qgis/ext/geosozial/x.py: import pandas"]


def test_import_check_follows_the_layer_rules():
    lazy = b"def f():\n    import %s\n"
    problems = build_plugin.check_imports({
        # core may not reach up into the geopandas door, not even inside a function
        "geosozial_qgis/ext/geosozial/core/a.py": lazy % b"geosozial.geo.areas",
        # nor use openpyxl, which QGIS does not ship, lazily or not
        "geosozial_qgis/ext/geosozial/core/tables/b.py": lazy % b"openpyxl",
        # maps may draw with matplotlib on request (lazy only), not at import time
        "geosozial_qgis/ext/geosozial/maps/c.py": lazy % b"matplotlib.pyplot",
        "geosozial_qgis/ext/geosozial/maps/d.py": b"import matplotlib\n",
        # the plugin uses the QGIS-safe layers only, never the pipeline or the doors
        "geosozial_qgis/alg_x.py": b"from geosozial.core.join import join_protected\n"
                                   b"from geosozial.pipeline.steps import join_step\n",
        "geosozial_qgis/alg_y.py": lazy % b"geosozial.geo.frames"})
    assert problems == [
        "geosozial_qgis/ext/geosozial/core/a.py: import geosozial.geo.areas",
        "geosozial_qgis/ext/geosozial/core/tables/b.py: import openpyxl",
        "geosozial_qgis/ext/geosozial/maps/d.py: import matplotlib",
        "geosozial_qgis/alg_x.py: import geosozial.pipeline.steps",
        "geosozial_qgis/alg_y.py: import geosozial.geo.frames"]


def mittelsachsen(vg: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The 53 municipalities of Landkreis Mittelsachsen (VG5000 2021) with test fields:
    area and perimeter, a population and case counts (for Empirical-Bayes LISA) and a
    Sozialregion (for aggregation by a field)."""
    kreis = vg[vg["AGS"].str.startswith("14522")].copy().sort_values("AGS")
    kreis["flaeche_km2"] = kreis.area / 1e6
    kreis["umfang_km"] = kreis.length / 1e3
    number = kreis["AGS"].str[-3:].astype(int)
    kreis["ew"] = (kreis["flaeche_km2"] * 60).round().astype(int) + 500
    kreis["fallzahl"] = (kreis["ew"] * (0.01 + 0.004 * (number % 9))).round().astype(int)
    kreis["region"] = [REGIONS[i % len(REGIONS)] for i in range(len(kreis))]
    # a 0/1 field for local join counts: the northern quarter of the Kreis (a rarer
    # class than a half, so that join counts of its inner areas are significant)
    north = kreis.geometry.centroid.y
    kreis["nord"] = (north > north.quantile(0.75)).astype(int)
    # smooth fields (centroid coordinates in km) whose local statistics are significant
    kreis["nord_km"] = north / 1000
    kreis["ost_km"] = kreis.geometry.centroid.x / 1000
    return kreis


REGIONS = ["Sozialregion Nord", "Sozialregion Mitte", "Sozialregion Süd", "Sozialregion Ost",
           "Sozialregion West"]


def _cli(args: list[str]) -> tuple[int, str]:
    """Run the command line in-process: exit code and the error message (German)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(args)
    return code, err.getvalue().strip().removeprefix("Fehler: ")


def _cli_output(args: list[str]) -> tuple[int, list[str], str]:
    """Run the command line in-process: exit code, printed lines and error message."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(args)
    return code, out.getvalue().splitlines(), err.getvalue().strip().removeprefix("Fehler: ")


def _printed(lines: list[str], prefix: str) -> str:
    """The one printed line that starts with ``prefix`` (without it)."""
    found = [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
    assert len(found) == 1, (prefix, lines)
    return found[0]


def write_local_cases(folder: Path, areas: str, demo: str) -> list[dict]:
    """Local statistics through both doors: the command line's GeoPackage (and map), its
    ``Klassen:`` and ``Methode:`` lines and warnings, and the ``processing.run`` call
    (algorithm, parameters; ``html`` the geosozial:htmlmap parameters) that must give
    the same values, p, q, classes, method and warnings."""
    cases: list[dict] = []

    def local(case: str, alg: str, path: str, cli: list[str], params: dict,
              html_kind: int | None = None, fields: list[str] | None = None) -> None:
        command = "hotspots" if alg == "hotspots" else "lisa"
        out, html = folder / f"{case}.gpkg", folder / f"{case}.html"
        args = [command, path, "--seed", "12345", "--out", str(out), *cli]
        if html_kind is not None:
            args += ["--html", str(html)]
        code, lines, error = _cli_output(args)
        assert code == 0, (case, error)
        field = cli[cli.index("--field") + 1]
        spec = {"id": case, "alg": f"geosozial:{alg}", "cli": cli, "output": str(out),
                "layer_name": Path(path).stem, "classes": _printed(lines, "Klassen: "),
                "method": _printed(lines, "Methode: "),
                # the command line names the file where QGIS names the layer
                "warnings": [line.replace(path, Path(path).stem) for line in lines
                             if line.startswith("[warning] ")],
                "params": {"INPUT": path, "KEY_FIELD": "AGS", "SEED": 12345, "FIELD": field,
                           **params}}
        if html_kind is not None:
            extra = {k: v for k, v in params.items() if k not in ("FIELDS",)}
            spec["html"] = {"output": str(html), "params": {
                "INPUT": path, "KEY_FIELD": "AGS", "NAME_FIELD": "GEN", "SEED": 12345,
                "KIND": html_kind, **extra, "FIELD": fields or [field]}}
        cases.append(spec)

    # (a) the defaults: PERMUTATIONS auto as --permutations auto, LISA and Gi*
    for name, path, field in (("demo", demo, "EWZ"), ("ms", areas, "flaeche_km2")):
        local(f"lisa_auto_{name}", "lisa", path, ["--field", field], {},
              html_kind=1 if name == "ms" else None)
        local(f"gi_auto_{name}", "hotspots", path, ["--field", field], {},
              html_kind=2 if name == "demo" else None)
    # (b) fixed permutations, as text (German thousands dots too) and as a script's number
    local("lisa_999_ms", "lisa", areas, ["--field", "flaeche_km2", "--permutations", "999"],
          {"PERMUTATIONS": "999"})
    local("gi_999_demo", "hotspots", demo, ["--field", "EWZ", "--permutations", "999"],
          {"PERMUTATIONS": "999"})
    local("gi_999_int_ms", "hotspots", areas, ["--field", "flaeche_km2", "--permutations",
                                               "999"], {"PERMUTATIONS": 999})
    local("lisa_9999_demo", "lisa", demo, ["--field", "EWZ", "--permutations", "9.999"],
          {"PERMUTATIONS": "9.999"})
    local("lisa_bonferroni_ms", "lisa", areas, ["--field", "nord_km", "--correction",
                                                "bonferroni", "--alpha", "0,1"],
          {"CORRECTION": 1, "ALPHA": 0.1}, html_kind=1)
    # (c) local Geary (one field and several), quantile LISA, local join counts
    local("geary_ms", "localgeary", areas, ["--field", "flaeche_km2", "--statistic", "geary"],
          {})
    local("geary_demo", "localgeary", demo, ["--field", "EWZ", "--statistic", "geary"], {},
          html_kind=3)
    local("geary_none_ms", "localgeary", areas, ["--field", "nord_km", "--statistic",
                                                 "geary", "--correction", "none"],
          {"CORRECTION": 2})
    local("geary_mv_ms", "localgeary", areas, ["--field", "nord_km", "--statistic", "geary",
                                               "--fields", "ost_km"],
          {"FIELDS": ["ost_km"]}, html_kind=3, fields=["nord_km", "ost_km"])
    local("geary_mv3_ms", "localgeary", areas, ["--field", "flaeche_km2", "--statistic",
                                                "geary", "--fields", "umfang_km;ew"],
          {"FIELDS": ["umfang_km", "ew"]})
    local("quantile_ms", "quantilelisa", areas, ["--field", "nord_km", "--statistic",
                                                 "quantile", "--quantiles", "5"], {},
          html_kind=4)
    local("quantile_low_demo", "quantilelisa", demo, ["--field", "EWZ", "--statistic",
                                                      "quantile", "--quantiles", "4",
                                                      "--quantile", "1"],
          {"QUANTILES": 4, "QUANTILE": 1})
    local("joincount_ms", "joincount", areas, ["--field", "nord", "--statistic",
                                               "joincount"], {}, html_kind=5)
    local("joincount_999_none_ms", "joincount", areas,
          ["--field", "nord", "--statistic", "joincount", "--permutations", "999",
           "--correction", "none"], {"PERMUTATIONS": "999", "CORRECTION": 2})
    return cases


def write_years_cases(folder: Path) -> dict[str, list[dict]]:
    """Crosswalks and emerging hot spots through both doors (issue "Years on one
    Gebietsstand"): per case the command line's arguments and result (its CSV or
    GeoPackage and HTML map, its printed lines, or its error) and the ``processing.run``
    parameters of geosozial:crosswalkderive / crosswalkapply / emerginghotspots that
    must give the same rows, values, flags, categories and messages."""
    from datasets import SACHSEN

    years_folder = folder / "jahre"
    years_folder.mkdir()
    cases: dict[str, list[dict]] = {"derive": [], "apply": [], "emerging": []}
    # derive: Saxony 2015 (simplified GeoJSON) onto VG5000 2021, keys starting with 14;
    # the command line with the datum grids QGIS has (Debian's proj-data: BETA2007 for
    # VG5000's DHDN). pyproj's wheel has none and falls back to a Helmert transformation
    # (1-3 m off): no crosswalk row changes, but the slivers reported as generalisation
    # differences do, so both doors must transform alike to be compared
    crosswalk = years_folder / "umsteiger_sachsen.csv"
    grids = "/usr/share/proj"
    script = ("import sys, pyproj.datadir\n"
              f"pyproj.datadir.append_data_dir({grids!r})\n"
              "from geosozial.cli import main\nsys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", script, "crosswalk", "derive", str(SACHSEN),
                           str(VG5000), "--prefix", "14", "--gebietsstand", "31.12.2021",
                           "--out", str(crosswalk)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    count = int(_printed(lines, "Änderungen: "))
    start = lines.index(f"Änderungen: {count}") + 1
    header = "Generalisierungsunterschiede (keine Gebietsänderung): "
    noise = lines.index(header + _printed(lines, header)) + 1
    cases["derive"].append({
        "id": "derive_sachsen", "crosswalk": str(crosswalk),
        "changes": [line.strip() for line in lines[start:start + count]],
        "differences_header": lines[noise - 1],
        "differences": [line.strip() for line in lines[noise:]
                        if line.startswith("  ")],
        "notices": [line for line in lines if line.startswith("[")],
        "params": {"OLD": str(SACHSEN), "OLD_KEY_FIELD": "AGS", "NEW": str(VG5000),
                   "NEW_KEY_FIELD": "AGS", "PREFIX": "14", "GEBIETSSTAND": "31.12.2021"}})
    # apply: the 2015 population of Saxony (destatis), with a withheld and a provisional
    # value among the merged municipalities, as a file and as a loaded layer
    frame = gpd.read_file(SACHSEN)
    rows = []
    for key, name, d in zip(frame["AGS"], frame["GEN"], frame["destatis"], strict=True):
        women = "." if key == "14521470" else f"{d['population_w']}p" if key == "14729230" \
            else str(d["population_w"])
        rows.append([key, name, str(d["population"]), str(d["population_m"]), women])
    population = _csv(years_folder / "bevoelkerung_sachsen_2015.csv",
                      ["AGS", "Gemeinde", "Einwohner", "maennlich", "weiblich"], rows)
    rates = _csv(years_folder / "quoten_sachsen_2015.csv", ["AGS", "Gemeinde", "Einwohner",
                                                            "Anteil_weiblich"],
                 [[r[0], r[1], r[2], f"{i % 7 + 48},{i % 10}"] for i, r in enumerate(rows)])
    bbsr = years_folder / "ref-gemeinden-umrech-2021-2015-2020.xlsx"
    header = ["Gemeinden\n 31.12.2015", "Gemeindename 2015", "flächen-\nproportionaler\n"
              "Umsteige-schlüssel", "bevölkerungs- \nproportionaler \nUmsteige- \nschlüssel",
              "Gemeinden\n 31.12.2020", "Gemeindename 2020"]
    write_minimal_xlsx(bbsr, {"2015-2020": [
        ["Umsteigeschlüssel (Testdaten)"], header,
        [14521030, "Aue", 1, 1, 14521035, "Aue-Bad Schlema"],
        [14521050, "Bad Schlema", 1, 1, 14521035, "Aue-Bad Schlema"],
        [14521460, "Olbernhau", 0.5, 0.9, 14521460, "Olbernhau"],
        [14521460, "Olbernhau", 0.5, 0.1, 14521999, "Neudorf (Test)"]],
        "2016-2020": [header, [14521460, "Olbernhau", 1, 1, 14521460, "Olbernhau"]]})

    def apply(case: str, table: str, cli: list[str], params: dict,
              table_layer: bool = False) -> None:
        out = years_folder / f"{case}.csv"
        code, lines, error = _cli_output(["crosswalk", "apply", table, "--out", str(out),
                                          *cli])
        qgis = dict(params) if table_layer else {"TABLE_FILE": table, **params}
        cases["apply"].append({
            "id": case, "cli": cli, "params": qgis, "table_layer": table if table_layer
            else None, "error": error if code else None,
            "output": str(out) if code == 0 else None,
            "notices": [line for line in lines if line.startswith("[")]})

    cw = str(crosswalk)
    apply("apply_sachsen", population, ["--crosswalk", cw, "--gebietsstand", "31.12.2021"],
          {"CROSSWALK": cw, "GEBIETSSTAND": "31.12.2021"})
    apply("apply_sachsen_layer", population, ["--crosswalk", cw, "--columns", "Einwohner",
                                              "weiblich"],
          {"CROSSWALK": cw, "FIELDS": ["Einwohner", "weiblich"]}, table_layer=True)
    apply("apply_bbsr_split", population, ["--crosswalk", str(bbsr), "--sheet", "2015",
                                           "--share", "bevoelkerung"],
          {"CROSSWALK": str(bbsr), "CROSSWALK_SHEET": "2015",
           "CROSSWALK_SHARE": "bevoelkerung"})
    apply("apply_rate_refused", rates, ["--crosswalk", cw], {"CROSSWALK": cw})
    apply("apply_bbsr_no_sheet", population, ["--crosswalk", str(bbsr)],
          {"CROSSWALK": str(bbsr)})
    # emerging hot spots: the per-year GeoPackages of the demo project
    demo = years_folder / "demo"
    assert _cli(["demo", "--out", str(demo)]) == (0, "")
    files = [str(demo / f"musterkreis_{year}.gpkg") for year in (2021, 2022, 2023)]
    shortened = gpd.read_file(files[1], layer="gemeinden")
    # the sixth area left out: the message names the area in its place (the seventh)
    differing = str(shortened["key"].iloc[6])
    shortened.drop(index=5).to_file(years_folder / "musterkreis_2022_gekuerzt.gpkg",
                                    layer="gemeinden")

    def emerging(case: str, paths: list[str], cli: list[str], params: dict) -> None:
        out, html = years_folder / f"{case}.gpkg", years_folder / f"{case}.html"
        code, lines, error = _cli_output(["trends", *paths, "--seed", "12345", "--out",
                                          str(out), "--html", str(html), *cli])
        # the command line names the last file where QGIS names its layer
        name = Path(paths[-1]).name
        stem = Path(paths[-1]).stem
        cases["emerging"].append({
            "id": case, "cli": cli, "error": error.replace(name, stem) if code else None,
            "output": str(out) if code == 0 else None, "html": str(html) if code == 0 else None,
            "years": _printed(lines, "Jahre: ") if code == 0 else None,
            "categories": _printed(lines, "Kategorien: ") if code == 0 else None,
            "method": _printed(lines, "Methode: ") if code == 0 else None,
            "warnings": [line.replace(name, stem) for line in lines
                         if line.startswith("[warning] ")],
            "params": {"LAYERS": [f"{p}|layername=gemeinden" for p in paths], "SEED": 12345,
                       **params}})

    emerging("ehs_demo", files, ["--field", "sgb2_quote"], {"FIELD": "sgb2_quote"})
    emerging("ehs_demo_999_none", files, ["--field", "kinderarmut", "--permutations", "999",
                                          "--correction", "none"],
             {"FIELD": "kinderarmut", "PERMUTATIONS": "999", "CORRECTION": 2})
    emerging("ehs_demo_years_given", [files[2], files[0], files[1]],
             ["--field", "arbeitslosenanteil", "--years", "2023", "2021", "2022"],
             {"FIELD": "arbeitslosenanteil", "YEARS": "2023;2021;2022"})
    emerging("ehs_keys_differ", [files[0], str(years_folder / "musterkreis_2022_gekuerzt.gpkg"),
                                 files[2]], ["--field", "sgb2_quote"], {"FIELD": "sgb2_quote"})
    refused = cases["emerging"][-1]["error"] or ""
    assert f"2022 weicht ab bei {differing}." in refused, refused
    # join with a crosswalk: the 2015 population onto VG5000 2021 (Saxony only) with the
    # derived crosswalk; the report names the six territories changed under the same key
    # and the successors of the eight vanished keys (JSON and text as the command line)
    vg = gpd.read_file(VG5000)
    saxony = str(years_folder / "vg5000_sachsen_2021.gpkg")
    vg[vg["AGS"].str.startswith("14")].to_file(saxony)
    cases["join"] = []
    for case, cli in (("join_crosswalk_sachsen", ["--crosswalk", cw]),
                      ("join_sachsen_plain", [])):
        out = years_folder / f"{case}.gpkg"
        args = ["join", saxony, population, "--no-confidentiality", *cli]
        code, lines, error = _cli_output([*args, "--out", str(out)])
        assert code == 0, (case, error)
        code, printed, error = _cli_output([*args, "--json", "--out",
                                            str(years_folder / f"{case}_json.gpkg")])
        assert code == 0, (case, error)
        report = json.loads("\n".join(printed))
        cases["join"].append({
            "id": case, "cli": cli, "report": report,
            "lines": [line for line in lines if line.startswith("  ")],
            "params": {"INPUT": saxony, "KEY_FIELD": "AGS", "TABLE_FILE": population,
                       "NO_CONFIDENTIALITY": True, **({"CROSSWALK": cw} if cli else {})}})
    report = cases["join"][0]["report"]
    assert len(report["territory_changed"]) == 6
    assert sum("successor" in r for r in report["table_rows_without_geometry"]) == 8
    assert not cases["join"][1]["report"]["territory_changed"]
    # dynamics: change over k years and trend on the demo's per-year GeoPackages, as
    # ``geosozial trends --change K`` and gs.dynamics (which must agree); an explicit kind
    # only through gs.dynamics (the command line takes the kind from the field)
    import geosozial as gs

    frames = {year: gpd.read_file(path, layer="gemeinden")
              for year, path in zip((2021, 2022, 2023), files, strict=True)}
    cases["dynamics"] = []
    for case, field, k, kind, params in (
            ("dyn_sgb2_quote_2", "sgb2_quote", 2, None, {}),
            ("dyn_bev_insg_1", "bev_insg", 1, None, {}),
            ("dyn_kinderarmut_2", "kinderarmut", 2, None, {}),  # withheld in 2023
            ("dyn_bev_insg_value", "bev_insg", 2, "value", {"KIND": 3}),
            ("dyn_sgb2_quote_as_count", "sgb2_quote", 1, "count", {"KIND": 2})):
        api = years_folder / f"{case}_api.gpkg"
        result = gs.dynamics(frames, field, years=k, kind=kind)
        result.frame.to_file(api, layer="dynamics")
        columns = [f"{field}_diff{k}", f"{field}_diff{k}_flag", f"{field}_trend",
                   f"{field}_trend_flag"]
        output = None
        if kind is None:
            output = years_folder / f"{case}.gpkg"
            code, _, error = _cli_output(["trends", *files, "--field", field, "--change",
                                          str(k), "--seed", "12345", "--permutations", "99",
                                          "--out", str(output)])
            assert code == 0, (case, error)
            ours = gpd.read_file(output).set_index("key")[columns]
            theirs = result.frame.set_index("key").loc[ours.index, columns]
            for column in columns:
                if column.endswith("_flag"):
                    assert ours[column].fillna("").tolist() == \
                        theirs[column].fillna("").tolist(), (case, column)
                else:
                    assert ours[column].to_numpy() == pytest.approx(
                        theirs[column].to_numpy(), rel=1e-12, abs=1e-12, nan_ok=True), \
                        (case, column)
        cases["dynamics"].append({
            "id": case, "field": field, "k": k, "kind": result.method["kind"],
            "unit": result.method["unit"], "columns": columns,
            "output": str(output) if output else None, "api": str(api),
            "params": {"LAYERS": [f"{p}|layername=gemeinden" for p in files],
                       "FIELD": field, "YEARS_SPAN": k, **params}})
    flags = gpd.read_file(cases["dynamics"][2]["output"])["kinderarmut_diff2_flag"]
    assert (flags == "geheim").sum() == 2
    return cases


def write_parity_cases(expected: Path, kreis: gpd.GeoDataFrame) -> None:
    """Inputs for both doors, the CLI's results and the matching processing.run calls.

    Every case names the CLI arguments it ran and the ``processing.run`` parameters that
    must give the same layer (``OUTPUT``/``REPORT`` are added in QGIS); ``table_layer``
    asks QGIS to load the CSV as a delimited-text layer and pass it as ``TABLE``.
    """
    folder = expected / "parity"
    folder.mkdir()
    areas = str(expected / "mittelsachsen.gpkg")
    demo = str(DEMO / "gemeinden.gpkg")
    keys, names = kreis["AGS"].tolist(), kreis["GEN"].tolist()
    tables = _parity_tables(folder, keys, names)
    duplicated = gpd.GeoDataFrame(
        gpd.pd.concat([kreis, kreis.iloc[[7]]], ignore_index=True), crs=kreis.crs)
    duplicated.to_file(folder / "mittelsachsen_doppelt.gpkg")
    cases: dict[str, list[dict]] = {"join": [], "aggregate": [], "lisa": [], "local": []}

    def join(case: str, areas_path: str, table: str, cli: list[str], params: dict,
             table_layer: bool = False) -> None:
        out = folder / f"{case}.gpkg"
        code, error = _cli(["join", areas_path, table, "--key", "AGS", "--out", str(out),
                            *cli])
        qgis = {"INPUT": areas_path, "KEY_FIELD": "AGS", **params}
        if table_layer:
            spec = {"table_layer": table}
        else:
            spec = {"table_layer": None}
            qgis["TABLE_FILE"] = table
        spec.update(id=case, cli=cli, params=qgis, error=error if code else None,
                    output=str(out) if code == 0 else None,
                    report=str(out.with_suffix(".report.json")) if code == 0 else None)
        assert (code == 0) == (spec["error"] is None), (case, error)
        cases["join"].append(spec)

    text = tables["text"]
    join("text_file", areas, text, [], {})
    join("text_layer", areas, text, [], {}, table_layer=True)  # FIELDS empty: all columns
    join("text_columns", areas, text, ["--columns", "Einwohner", "Frauen"],
         {"FIELDS": ["Einwohner", "Frauen"]})
    join("text_columns_layer", areas, text, ["--columns", "Faelle"], {"FIELDS": ["Faelle"]},
         table_layer=True)
    join("text_no_confidentiality", areas, text, ["--no-confidentiality"],
         {"NO_CONFIDENTIALITY": True})
    join("text_min_count_5", areas, text, ["--min-count", "5"], {"MIN_COUNT": 5})
    join("relation", areas, tables["relation"], ["--relation", "gesamt=m+w"],
         {"RELATIONS": "gesamt=m+w"})
    join("relation_layer", areas, tables["relation"], ["--relation", "gesamt=m+w"],
         {"RELATIONS": " gesamt=m+w ; "}, table_layer=True)
    join("duplicates_identical", areas, tables["identical"], [], {})
    join("duplicates_identical_layer", areas, tables["identical"], [], {}, table_layer=True)
    join("duplicates_conflicting", areas, tables["conflicting"], [], {})
    join("duplicates_conflicting_layer", areas, tables["conflicting"], [], {},
         table_layer=True)
    join("duplicate_areas", str(folder / "mittelsachsen_doppelt.gpkg"), text, [], {})
    join("genesis_classic", areas, tables["genesis"], [], {})
    join("xlsx", areas, tables["xlsx"], ["--sheet", "Daten"], {"SHEET": "Daten"})
    join("table_key", areas, tables["other_key"], ["--table-key", "Gemeindeschl"],
         {"TABLE_KEY_FIELD": "Gemeindeschl"})
    join("demo_sgb2", demo, str(DEMO / "sgb2_2023.csv"), [], {})
    join("demo_sgb2_internal", demo, str(DEMO / "sgb2_2023.csv"), ["--no-confidentiality"],
         {"NO_CONFIDENTIALITY": True})

    def aggregate(case: str, areas_path: str, table: str, mapping: str, cli: list[str],
                  params: dict) -> None:
        joined, out = folder / f"{case}_join.gpkg", folder / f"{case}.gpkg"
        assert _cli(["join", areas_path, table, "--no-confidentiality",
                     "--out", str(joined)]) == (0, "")
        code, error = _cli(["aggregate", str(joined), mapping, "--out", str(out), *cli])
        assert code == 0, (case, error)
        cases["aggregate"].append({
            "id": case, "cli": cli, "output": str(out),
            "join": {"INPUT": areas_path, "KEY_FIELD": "AGS", "TABLE_FILE": table,
                     "NO_CONFIDENTIALITY": True},
            "params": {"KEY_FIELD": "AGS", **params}})

    mapping = str(tables["mapping"])
    aggregate("aggregate_ms", areas, tables["counts"], mapping,
              ["--var", "alle=faelle_a+faelle_b", "--indicator", "quote=faelle_a/bev*100",
               "--indicator", "quote_alle=alle/bev*1000", "--sum", "flaeche_km2"],
              {"MAPPING_FILE": mapping, "VARIABLES": "alle=faelle_a+faelle_b",
               "INDICATORS": "quote=faelle_a/bev*100; quote_alle=alle/bev*1000",
               "SUM_FIELDS": ["flaeche_km2"]})
    aggregate("aggregate_ms_field", areas, tables["counts"], mapping,
              ["--min-count", "4", "--relation", "bev=bev_m+bev_w"],
              {"GROUP_FIELD": "region", "MIN_COUNT": 4, "RELATIONS": "bev=bev_m+bev_w"})
    aggregate("aggregate_demo", demo, str(DEMO / "sgb2_2023.csv"),
              str(DEMO / "sozialraeume.csv"),
              ["--indicator", "elb_anteil=erwerbsfähige Leistungsberechtigte/Insgesamt*100"],
              {"MAPPING_FILE": str(DEMO / "sozialraeume.csv"),
               "INDICATORS": "elb_anteil=erwerbsfähige Leistungsberechtigte/Insgesamt*100"})

    def lisa(case: str, areas_path: str, cli: list[str], params: dict) -> None:
        out = folder / f"{case}.gpkg"
        code, lines, error = _cli_output(["lisa", areas_path, "--seed", "12345", "--out",
                                          str(out), *cli])
        assert code == 0, (case, error)
        cases["lisa"].append({"id": case, "cli": cli, "output": str(out),
                              "method": _printed(lines, "Methode: "),
                              "params": {"INPUT": areas_path, "KEY_FIELD": "AGS",
                                         "SEED": 12345, **params}})

    lisa("lisa_bivariate_ms", areas, ["--field", "flaeche_km2", "--neighbour-field",
                                      "umfang_km"],
         {"FIELD": "flaeche_km2", "NEIGHBOUR_FIELD": "umfang_km"})
    lisa("lisa_eb_ms", areas, ["--field", "fallzahl", "--base", "ew"],
         {"FIELD": "fallzahl", "BASE_FIELD": "ew"})
    demo_joined = str(folder / "demo_sgb2_internal.gpkg")
    lisa("lisa_bivariate_demo", demo_joined, ["--field", "EWZ", "--neighbour-field",
                                              "Insgesamt", "--dropna"],
         {"FIELD": "EWZ", "NEIGHBOUR_FIELD": "Insgesamt", "DROP_MISSING": True})
    lisa("lisa_eb_demo", demo_joined, ["--field", "Insgesamt", "--base", "EWZ", "--dropna",
                                       "--permutations", "499", "--correction", "none"],
         {"FIELD": "Insgesamt", "BASE_FIELD": "EWZ", "DROP_MISSING": True,
          "PERMUTATIONS": 499, "CORRECTION": 2})
    cases["local"] = write_local_cases(folder, areas, demo)
    cases["years"] = write_years_cases(folder)
    cases["atlas"] = write_atlas_cases(folder)
    cases["saxony_run"] = write_saxony_run_case(folder)
    (expected / "parity.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1),
                                          encoding="utf-8")


def write_atlas_cases(folder: Path) -> dict:
    """The social atlas through both doors (issue "The digital social report"):
    ``geosozial report`` runs a copy of the demo project (``[atlas] pdf = false``, so that
    both doors make the same files) into ``cli/``; ``qgis/`` gets the same run without
    the atlas, for geosozial:report to build; ``pdf/`` is a run of the unchanged demo
    project (PDFs wanted), ``leer/`` a folder without a store."""
    from geosozial.atlas.manifest import MANIFEST, read_manifest
    from geosozial.pipeline.project import run_project

    base = folder / "atlas"
    project_dir = base / "projekt"
    shutil.copytree(DEMO, project_dir)
    project = project_dir / "projekt.toml"
    project.write_text(project.read_text(encoding="utf-8") + "\n[atlas]\npdf = false\n",
                       encoding="utf-8")
    cli = base / "cli"
    proc = subprocess.run([sys.executable, "-m", "geosozial.cli", "report", str(project),
                           "--out", str(cli)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    files = sorted(read_manifest(cli)["outputs"])
    assert "index.html" in files and not any(f.startswith("pdf/") for f in files)
    qgis = base / "qgis"
    shutil.copytree(cli, qgis)
    for name in [*files, MANIFEST]:
        (qgis / name).unlink()
    pdf = base / "pdf"
    run_project(DEMO / "projekt.toml", pdf)
    (base / "leer").mkdir()
    # the files of the command line's run besides the atlas: GeoPackages, reports, maps
    run_files = sorted(p.name for p in cli.iterdir() if p.is_file()
                       and p.suffix in (".gpkg", ".txt", ".json", ".html", ".png")
                       and p.name not in (MANIFEST, "index.html", "vergleich.html"))
    assert any(n.startswith("lisa_") for n in run_files)
    # a project whose key field the areas file lacks: refused, nothing written
    bad_dir = base / "falscher_schluessel"
    shutil.copytree(DEMO, bad_dir)
    bad = bad_dir / "projekt.toml"
    bad.write_text(bad.read_text(encoding="utf-8").replace('key = "AGS"', 'key = "GKZ"'),
                   encoding="utf-8")
    return {"project": str(project), "cli": str(cli), "qgis": str(qgis), "files": files,
            "manifest": MANIFEST, "pdf_project": str(DEMO / "projekt.toml"),
            "pdf_folder": str(pdf), "empty": str(base / "leer"),
            "run_files": run_files,
            "run_folder": str(base / "qgis_lauf"), "bad_project": str(bad),
            "bad_folder": str(base / "qgis_fehler")}


def write_saxony_run_case(folder: Path) -> dict:
    """Real boundaries through both doors' project runs: two Saxon Kreise of VG5000
    (Erzgebirgskreis, Mittelsachsen; geometries as stored, repaired by each door) with
    synthetic counts, run by the command line into ``cli/``; QGIS runs it into
    ``qgis/``."""
    from saxony_project import write_saxony_project

    from geosozial.pipeline.project import run_project

    base = folder / "sachsen_lauf"
    saxony = write_saxony_project(base / "projekt", kreise=["14521", "14522"])
    run_project(saxony.project, base / "cli")
    return {"project": str(saxony.project), "cli": str(base / "cli"),
            "qgis": str(base / "qgis"), "n": len(saxony.names)}


def _parity_tables(folder: Path, keys: list[str], names: list[str]) -> dict[str, str]:
    """The synthetic tables of the parity suite (Mittelsachsen keys)."""
    out = {}
    # text columns (Landkreis, Bemerkung), a name column with Augustusburg, small counts,
    # the symbols . - x p, a Kreis row and a key without geometry; two areas without data
    rows = []
    for i, (key, name) in enumerate(zip(keys[:-2], names[:-2], strict=True)):
        faelle = {0: "1", 1: "2", 2: ".", 3: "-", 4: "x", 5: "15p"}.get(i, str(5 + i * 7 % 40))
        frauen = f"{1000 + 67 * i}p" if i == 6 else str(1000 + 67 * i)
        rows.append([key, name, "Mittelsachsen", str(2000 + 131 * i), frauen, faelle,
                     "vorläufig" if i % 5 == 0 else ""])
    rows += [["14522", "Mittelsachsen", "Mittelsachsen", "300000", "150000", "2500", ""],
             ["14522999", "Nirgendwo", "Mittelsachsen", "10", "5", "3", ""]]
    header = ["AGS", "Gemeinde", "Landkreis", "Einwohner", "Frauen", "Faelle", "Bemerkung"]
    out["text"] = _csv(folder / "tabelle_text.csv", header, rows)
    write_minimal_xlsx(folder / "tabelle_text.xlsx", {"Daten": [header] + [
        [r[0], r[1], r[2], int(r[3]), r[4] if not r[4].isdigit() else int(r[4]),
         int(r[5]) if r[5].isdigit() else r[5], r[6] or None] for r in rows],
        "Hinweise": [["Testdaten"]]})
    out["xlsx"] = str(folder / "tabelle_text.xlsx")
    # a sum relation between columns that the labels do not reveal
    rel = []
    for i, k in enumerate(keys):
        w = {0: 1}.get(i % 9, 2 if i % 9 == 4 else 20 + i)
        m = 30 + 2 * i
        rel.append([k, str(m + w), str(m), str(w)])  # gesamt = m + w
    out["relation"] = _csv(folder / "tabelle_beziehung.csv", ["AGS", "gesamt", "m", "w"], rel)
    # duplicate keys: identical rows (dropped once, reported) and conflicting ones (error)
    plain = [[k, str(10 + i), str(3 + i % 4)] for i, k in enumerate(keys)]
    out["identical"] = _csv(folder / "tabelle_doppelt_gleich.csv", ["AGS", "a", "b"],
                            [*plain[:10], plain[4], *plain[10:], plain[20]])
    out["conflicting"] = _csv(folder / "tabelle_doppelt_verschieden.csv", ["AGS", "a", "b"],
                              [*plain[:10], [plain[4][0], "99", plain[4][2]], *plain[10:]])
    # a key column whose name the core does not guess
    out["other_key"] = _csv(folder / "tabelle_schluessel.csv", ["Gemeindeschl", "Wert"],
                            [[k, str(100 + i)] for i, k in enumerate(keys)])
    # classic GENESIS/Regionalstatistik layout (title lines, ;; header rows, footer, cp1252)
    lines = ["GENESIS-Tabelle: TEST-22811-5",
             "Leistungsberechtigte (Testdaten) -;;;;", "Stichtag 31.12. - Gemeinden - "
             "Mittelsachsen;;;;", "Leistungsberechtigte (Anzahl);;;;", "Stichtag: 31.12.2023;;;;",
             ";;Leistungsberechtigte;Leistungsberechtigte;Leistungsberechtigte",
             ";;Insgesamt;unter 15 Jahren;Bedarfsgemeinschaften",
             "14522;Mittelsachsen;9000;2000;5000"]
    for i, (key, name) in enumerate(zip(keys, names, strict=True)):
        small = {0: "1", 1: "2", 2: ".", 3: "-", 4: "x", 5: "7p"}.get(i, str(3 + i % 11))
        lines.append(f"{key};{name};{120 + 9 * i};{small};{60 + 4 * i}")
    lines += ["__________", "Zeichenerklärung:", "- = nichts vorhanden",
              ". = Zahlenwert unbekannt oder geheim zu halten", "x = Tabellenfach gesperrt",
              "p = vorläufige Zahl", "© Testdaten, keine amtliche Statistik",
              "Stand: 11.04.2024 / 08:31:05"]
    path = folder / "genesis_klassisch.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    out["genesis"] = str(path)
    # counts for aggregation: whole numbers, small ones, a relation bev = bev_m + bev_w
    counts = []
    for i, key in enumerate(keys):
        frauen, maenner = 900 + 41 * i, 880 + 39 * i
        a = {3: 1, 11: 2, 17: 1}.get(i, 4 + i % 13)
        b = {5: 2}.get(i, 3 + i % 5)
        counts.append([key, str(frauen + maenner), str(maenner), str(frauen), str(a), str(b)])
    out["counts"] = _csv(folder / "tabelle_anzahlen.csv",
                         ["AGS", "bev", "bev_m", "bev_w", "faelle_a", "faelle_b"],
                         counts)
    out["mapping"] = _csv(folder / "sozialregionen.csv", ["AGS", "Sozialraum"],
                          [[k, REGIONS[i % len(REGIONS)]] for i, k in enumerate(keys)])
    return out


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> str:
    path.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_plugin_inside_qgis(tmp_path: Path):
    problem = _qgis_ready()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the QGIS plugin tests must run in CI, but {problem}")
        pytest.skip(problem)
    plugin_dir = tmp_path / "plugin"
    with zipfile.ZipFile(build_plugin.build(tmp_path / "dist")) as archive:
        archive.extractall(plugin_dir)
    expected = tmp_path / "expected"
    expected.mkdir()
    vg = gpd.read_file(VG5000)
    kreis = mittelsachsen(vg)
    kreis.to_file(expected / "mittelsachsen.gpkg")
    demo = str(DEMO / "gemeinden.gpkg")
    for name, path, field in (("demo", demo, "EWZ"),
                              ("mittelsachsen", str(expected / "mittelsachsen.gpkg"),
                               "flaeche_km2")):
        for kind in ("lisa", "hotspots"):
            assert main([kind, path, "--field", field, "--seed", "12345",
                         "--out", str(expected / f"{name}_{kind}.gpkg")]) == 0
    for name, path, field in (("demo", demo, "EWZ"),
                              ("mittelsachsen", str(expected / "mittelsachsen.gpkg"),
                               "flaeche_km2")):
        moran = subprocess.run([sys.executable, "-m", "geosozial.cli", "moran", path,
                                "--field", field, "--json"], capture_output=True, text=True,
                               check=True)
        json.loads(moran.stdout)
        (expected / f"{name}_moran.json").write_text(moran.stdout, encoding="utf-8")
    write_parity_cases(expected, kreis)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(plugin_dir),
           "PYTHONNOUSERSITE": "1", "XDG_RUNTIME_DIR": str(tmp_path),
           "GEOSOZIAL_EXPECTED": str(expected), "GEOSOZIAL_SHARED": str(SHARED),
           "GEOSOZIAL_DEMO": str(DEMO)}
    proc = subprocess.run([QGIS_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-c", str(REPO / "tests" / "qgis" / "pytest.ini"),
                           str(REPO / "tests" / "qgis")], env=env, capture_output=True,
                          text=True, timeout=1800, cwd=str(tmp_path))
    report = proc.stdout[-6000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, report
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, report


QGIS_PROCESS = "/usr/bin/qgis_process.bin"  # Debian's wrapper adds --noversioncheck, which
                                            # qgis_process 3.22 refuses


def test_plugin_under_qgis_process(tmp_path: Path):
    """Install the zip into a profile as "Install from ZIP" does, enable it and run
    geosozial:lisa headless with qgis_process (no iface at all)."""
    problem = _qgis_ready() or (None if Path(QGIS_PROCESS).exists() else
                                f"{QGIS_PROCESS} missing (Debian package qgis)")
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the qgis_process test must run in CI, but {problem}")
        pytest.skip(problem)
    profile = tmp_path / "profile"
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(build_plugin.build(tmp_path / "dist")) as archive:
        archive.extractall(plugins)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": str(profile),
           "XDG_RUNTIME_DIR": str(runtime)}
    enable = subprocess.run([QGIS_PROCESS, "plugins", "enable", "geosozial_qgis"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert enable.returncode == 0, enable.stdout + enable.stderr
    out = tmp_path / "lisa.gpkg"
    proc = subprocess.run([QGIS_PROCESS, "--json", "run", "geosozial:lisa", "--",
                           f"INPUT={DEMO / 'gemeinden.gpkg'}", "KEY_FIELD=AGS", "FIELD=EWZ",
                           "SEED=7", "PERMUTATIONS=199", f"OUTPUT={out}"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(proc.stdout)["results"]
    assert "199 Permutationen, Seed 7" in results["METHOD"]
    expected = tmp_path / "cli.gpkg"
    assert main(["lisa", str(DEMO / "gemeinden.gpkg"), "--field", "EWZ", "--seed", "7",
                 "--permutations", "199", "--out", str(expected)]) == 0
    ours = gpd.read_file(out).set_index("AGS")
    theirs = gpd.read_file(expected).set_index("AGS")
    assert (ours["lisa_cluster"] == theirs.loc[ours.index, "lisa_cluster"]).all()
    assert (ours["lisa_p"].fillna(-1) == theirs.loc[ours.index, "lisa_p"].fillna(-1)).all()
