"""Join with a two-way report: nothing dropped silently."""

import math

import pytest
from datasets import grid_areas

from geosozial.core.messages import GeosozialError
from geosozial.core.tables.table import Table
from geosozial.geo.areas import read_areas
from geosozial.pipeline.steps import join_step


def _areas(tmp_path, keys=("14999001", "14999002", "14999003", "14999004")):
    path = tmp_path / "g.gpkg"
    grid_areas(list(keys), ["Adorf", "Bödorf", "Cestadt", "Düben"][: len(keys)]).to_file(path)
    return read_areas(path)


def _table(rows, source="t.csv"):
    return Table.from_records(
        [(k, n, {"n": parse}) for k, n, parse in rows], source=source,
        lines=list(range(10, 10 + len(rows))))


def test_report_both_directions(tmp_path):
    table = _table([
        ("14999", "Musterkreis", (100.0, "")),
        ("14999001", "Adorf", (10.0, "")),
        ("14999002", "Bödorf", (math.nan, ".")),
        ("14999009", "Zufusion", (5.0, "")),
    ])
    result = _join(_areas(tmp_path), table)
    report = result.report
    assert report.matched == 2
    assert [(r["key"], r["level"], r["line"]) for r in report.table_only] == [
        ("14999", "Kreis", 10), ("14999009", "Gemeinde", 13)]
    assert [r["key"] for r in report.areas_only] == ["14999003", "14999004"]
    frame = result.frame.set_index("key")
    assert frame.loc["14999001", "n"] == 10.0
    assert math.isnan(frame.loc["14999002", "n"]) and frame.loc["14999002", "n_flag"] == "."
    assert math.isnan(frame.loc["14999003", "n"])
    assert len(result.frame) == 4  # geometries without data are kept
    text = report.text("de")
    assert "Tabellenzeilen ohne Geometrie: 2" in text and "Geometrien ohne Daten: 2" in text
    assert "14999009 Zufusion (Zeile 13" in text
    assert report.as_dict()["matched"] == 2


def test_keys_without_leading_zero_are_repaired_and_reported(tmp_path):
    areas = _areas(tmp_path, ["01001000", "01002000"])
    table = _table([("1001000", "Flensburg", (1.0, "")), ("1002000", "Kiel", (2.0, ""))])
    result = _join(areas, table)
    assert result.report.matched == 2
    notice = next(n for n in result.report.notices if n.code == "join.key_repaired")
    assert notice.params["n"] == 2 and "1001000" in notice.text() and "01001000" in notice.text()


def test_float_keys_in_scientific_notation_are_refused_with_line(tmp_path):
    areas = _areas(tmp_path, ["14522450"])
    table = _table([("1.4522e7", "Ostrau", (1.0, ""))])
    with pytest.raises(GeosozialError) as exc:
        _join(areas, table)
    assert "t.csv" in str(exc.value) and "Zeile 10" in str(exc.value)


def test_ars_table_keys_join_to_ags_areas(tmp_path):
    areas = _areas(tmp_path, ["14999001"])
    table = _table([("149990000001", "Adorf", (3.0, ""))])
    result = _join(areas, table)
    assert result.report.matched == 1
    assert any(n.code == "join.key_ars" for n in result.report.notices)


def test_identical_duplicate_rows_dropped_with_report(tmp_path):
    table = _table([("14999001", "Adorf", (1.0, "")), ("14999001", "Adorf", (1.0, ""))])
    result = _join(_areas(tmp_path), table)
    assert result.report.duplicate_table_keys == [{"key": "14999001", "lines": [10, 11]}]
    assert any(n.code == "join.dup_dropped" for n in result.report.notices)


def test_conflicting_duplicate_rows_are_an_error_naming_key_and_lines(tmp_path):
    table = _table([("14999001", "Adorf", (1.0, "")), ("14999001", "Adorf", (2.0, ""))])
    with pytest.raises(GeosozialError) as exc:
        _join(_areas(tmp_path), table)
    assert "14999001" in str(exc.value) and "[10, 11]" in str(exc.value)


def test_duplicate_area_keys_are_merged_and_reported(tmp_path):
    path = tmp_path / "dup.gpkg"
    grid_areas(["14999001", "14999001", "14999002"]).to_file(path)
    result = _join(read_areas(path), _table([("14999001", "A", (1.0, ""))]))
    assert len(result.frame) == 2
    assert result.report.duplicate_area_keys == [{"key": "14999001", "count": 2}]
    merged = result.frame.set_index("key").loc["14999001", "geometry"]
    assert abs(merged.area - 2e6) < 1


def test_no_match_at_all_is_an_error_with_examples(tmp_path):
    with pytest.raises(GeosozialError) as exc:
        _join(_areas(tmp_path), _table([("09162000", "München", (1.0, ""))]))
    assert "09162000" in str(exc.value) and "14999001" in str(exc.value)


def _join(areas, table):
    """The join of every door, without confidentiality (these tests are about matching)."""
    return join_step(areas, table, rule=None)
