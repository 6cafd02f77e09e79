"""Confidentiality on the join path: relations between columns, public Kreis totals,
areas without data and ready-made rates (each case a way values leaked before)."""

import geopandas as gpd
import numpy as np
import pytest
from datasets import VG5000

from geosozial.cli import main


@pytest.fixture(scope="module")
def ms(tmp_path_factory):
    frame = gpd.read_file(VG5000)
    frame = frame[frame["AGS"].str.startswith("14522")].reset_index(drop=True)
    frame["geometry"] = frame.geometry.make_valid()
    folder = tmp_path_factory.mktemp("ms")
    frame[["AGS", "GEN", "geometry"]].to_file(folder / "ms.gpkg")
    return folder, frame


def _table(folder, frame, name="t.csv", extra_rows=(), rate=False):
    rng = np.random.default_rng(1)
    lines = ["AGS;Name;Insgesamt;erwerbsfaehig;unter15" + (";Quote" if rate else "")]
    totals = np.zeros(3)
    for i, (ags, gen) in enumerate(zip(frame["AGS"], frame["GEN"], strict=True)):
        u15 = 2 if i == 5 else int(rng.integers(20, 80))
        erw = int(rng.integers(60, 300))
        row = np.array([erw + u15, erw, u15])
        totals += row
        quote = f";{(erw + u15) / 10:.1f}".replace(".", ",") if rate else ""
        lines.append(f"{ags};{gen};{row[0]};{row[1]};{row[2]}{quote}")
    lines.append(f"14522;Mittelsachsen;{int(totals[0])};{int(totals[1])};{int(totals[2])}"
                 + (";" if rate else ""))
    lines += list(extra_rows)
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _join(folder, table, out="j.gpkg", areas="ms.gpkg"):
    assert main(["join", str(folder / areas), str(table), "--out", str(folder / out)]) == 0
    return gpd.read_file(folder / out)


def test_total_equals_parts_relation_is_protected(ms):
    folder, frame = ms
    joined = _join(folder, _table(folder, frame))
    cols = ["Insgesamt", "erwerbsfaehig", "unter15"]
    hidden = np.column_stack([joined[f"{c}_flag"] == "geheim" for c in cols])
    assert hidden[5, 2]  # the secret 2
    # naive suppression would hide only that cell; then Insgesamt - erwerbsfaehig = 2
    rows = np.flatnonzero(hidden.any(axis=1))
    assert (hidden[rows].sum(axis=1) >= 2).all()
    assert (hidden.sum(axis=0)[hidden.any(axis=0)] >= 2).all()  # Kreis total is public


def test_area_without_data_does_not_hide_a_kreis_difference(ms, tmp_path):
    folder, frame = ms
    extra = frame.iloc[[0]].copy()
    extra["AGS"], extra["GEN"] = "14522999", "Gemeindefreies Gebiet"
    extra["geometry"] = extra.geometry.translate(100_000, 0)
    both = gpd.GeoDataFrame(
        gpd.pd.concat([frame[["AGS", "GEN", "geometry"]], extra[["AGS", "GEN", "geometry"]]]),
        crs=frame.crs)
    both.to_file(folder / "ms_plus.gpkg")
    joined = _join(folder, _table(folder, frame, "t2.csv"), "j2.gpkg", "ms_plus.gpkg")
    # the Kreis row is public: Kreis - published = withheld unless a partner is withheld
    assert (joined["unter15_flag"] == "geheim").sum() >= 2


def test_ready_made_rate_is_withheld_with_its_count(ms):
    folder, frame = ms
    joined = _join(folder, _table(folder, frame, "t3.csv", rate=True), "j3.gpkg")
    hidden_rows = (joined[["Insgesamt_flag", "erwerbsfaehig_flag", "unter15_flag"]]
                   == "geheim").any(axis=1)
    assert hidden_rows.any()
    assert (joined.loc[hidden_rows, "Quote_flag"] == "geheim").all()
    assert joined.loc[~hidden_rows, "Quote"].notna().all()


def test_declared_relation_that_does_not_hold_is_refused_with_warning(ms, capsys):
    folder, frame = ms
    table = _table(folder, frame, "t4.csv")
    assert main(["join", str(folder / "ms.gpkg"), str(table), "--out", str(folder / "j4.gpkg"),
                 "--relation", "erwerbsfaehig=Insgesamt+unter15"]) == 0
    assert "gilt nicht" in capsys.readouterr().out
