"""AGS/ARS keys as strings and official statistical symbols as value + flag."""

import math

import pytest

from geosozial.core.keys import ags_from_ars, key_level, normalize_key
from geosozial.core.messages import GeosozialError
from geosozial.core.symbols import UnknownSymbol, parse_cell


@pytest.mark.parametrize(("raw", "expected"), [
    ("01001000", ("01001000", False)),
    (1001000, ("01001000", True)),
    ("1001000", ("01001000", True)),
    (1001000.0, ("01001000", True)),
    ("1001000.0", ("01001000", True)),
    ("1,4522450E+07", ("14522450", True)),
    (14522450, ("14522450", True)),
])
def test_keys_repaired_where_unambiguous(raw, expected):
    assert normalize_key(raw, "AGS") == expected


@pytest.mark.parametrize("raw", ["1.4522e7", "1,4522E+07", "123", "99000000", "abc", 1001000.5,
                                 "1001000.5"])
def test_keys_refused_where_ambiguous(raw):
    with pytest.raises(GeosozialError) as exc:
        normalize_key(raw, "AGS")
    assert str(raw) in str(exc.value) or repr(raw) in str(exc.value)


def test_scientific_notation_message_says_digits_lost():
    with pytest.raises(GeosozialError) as exc:
        normalize_key("1.4522e7", "AGS")
    assert "5 gültigen Ziffern" in exc.value.text("de")
    assert "5 significant digits" in exc.value.text("en")


def test_ars_keys_and_ags_from_ars():
    assert normalize_key(10010000000, "ARS") == ("010010000000", True)
    assert ags_from_ars("145220450450") == "14522450"
    assert ags_from_ars("091620000000") == "09162000"
    with pytest.raises(GeosozialError):
        ags_from_ars("1452204504")


def test_key_levels():
    assert [key_level(k) for k in ["DG", "14", "145", "14522", "14522450", "145220450450"]] == [
        "Deutschland", "Land", "Regierungsbezirk", "Kreis", "Gemeinde", "Regionalschlüssel"]


@pytest.mark.parametrize(("cell", "value", "flag"), [
    ("-", 0.0, "-"),
    (".", math.nan, "."),
    ("x", math.nan, "x"),
    ("/", math.nan, "/"),
    ("...", math.nan, "..."),
    ("–", math.nan, "–"),
    ("(123)", 123.0, "()"),
    ("456p", 456.0, "p"),
    ("78r", 78.0, "r"),
    ("9s", 9.0, "s"),
    ("1.234", 1234.0, ""),
    ("1.234,5", 1234.5, ""),
    ("0", 0.0, ""),
    ("", math.nan, ""),
])
def test_symbols_become_value_and_flag(cell, value, flag):
    got_value, got_flag = parse_cell(cell)
    assert got_flag == flag
    assert (math.isnan(got_value) and math.isnan(value)) or got_value == value


def test_only_hyphen_means_zero():
    zero_cells = [c for c in ["-", ".", "x", "/", "...", "–"] if parse_cell(c)[0] == 0.0]
    assert zero_cells == ["-"]


def test_ba_asterisk_is_a_confidential_missing_value():
    assert parse_cell("*")[1] == "*" and math.isnan(parse_cell("*")[0])
    assert parse_cell(" * ")[1] == "*"


@pytest.mark.parametrize("cell", ["n.v.", "**", "12a", "(x)", "--", "12*"])
def test_unknown_symbols_raise(cell):
    with pytest.raises(UnknownSymbol):
        parse_cell(cell)
