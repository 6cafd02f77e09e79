"""Indicators as data: numerator, denominator, scale, German label, unit, definition.

Rates are always computed from counts: ``scale * sum(coef * numerator) / sum(denominator)``.
A Sozialraum rate is the ratio of summed counts, never the mean of member rates.

Example:
    >>> ind = CATALOGUE["sgb2_quote"]
    >>> counts = {"sgb2_rlb": [120.0], "bev_u65": [1000.0]}
    >>> flags = {"sgb2_rlb": [""], "bev_u65": [""]}
    >>> values, vflags, notices = compute_indicator(ind, counts, flags, keys=["14999010"])
    >>> float(values[0]), vflags[0]
    (12.0, '')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geosozial.core.columns import Columns, flag_column
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.symbols import (  # noqa: F401 (flags re-exported)
    CONFIDENTIAL_FLAGS,
    FLAG_LABELS,
    FLAG_NO_DATA,
    FLAG_NOT_COMPUTABLE,
    FLAG_OK,
    FLAG_SUPPRESSED,
    FLAG_ZERO_DENOMINATOR,
    MISSING_FLAGS,
    PROVISIONAL_FLAGS,
)

define("ind.unknown_variable",
       de="Indikator {indicator}: Variable {variable} fehlt in den Daten. Vorhanden: {columns}",
       en="indicator {indicator}: variable {variable} is missing. Found: {columns}")
define("ind.negative",
       de="{source}: negative Anzahl {value} für {key} in {variable}. Zählwerte können nicht "
       "negativ sein.",
       en="{source}: negative count {value} for {key} in {variable}. Counts cannot be negative.")
define("ind.zero_denominator",
       de="Indikator {indicator}: Nenner ({denominator}) ist null für {keys}; der Wert ist "
       "nicht berechenbar.",
       en="indicator {indicator}: denominator ({denominator}) is zero for {keys}; the value "
       "cannot be computed.")
define("ind.share_above_whole",
       de="Indikator {indicator}: der Zähler ({numerator}) ist größer als der Nenner "
       "({denominator}) bei {keys} (über 100 %); bitte die Spalten prüfen.",
       en="indicator {indicator}: the numerator ({numerator}) is larger than the denominator "
       "({denominator}) for {keys} (over 100 %); please check the columns.")
define("ind.bad_definition", de="Indikator {indicator}: {problem}",
       en="indicator {indicator}: {problem}")
define("ind.unknown", de="Unbekannter Indikator {indicator}. Bekannt: {known}",
       en="unknown indicator {indicator}. Known: {known}")


@dataclass(frozen=True)
class Indicator:
    """One indicator: ``scale * sum(coef * numerator) / sum(denominator)``.

    Example:
        >>> Indicator("quote", "Quote", {"a": 1.0}, ("b",), 100.0, "%", "a je 100 b").scale
        100.0
    """

    id: str
    label: str
    numerator: Mapping[str, float]
    denominator: tuple[str, ...]
    scale: float
    unit: str
    definition: str
    label_en: str = ""
    definition_en: str = ""
    #: variables that are counts (checked for negatives, protected by confidentiality)
    counts: tuple[str, ...] = field(default=())

    @property
    def is_share(self) -> bool:
        """A share in % of its denominator (numerator added, unit %): above 100 % is
        implausible.

        Example:
            >>> CATALOGUE["sgb2_quote"].is_share, CATALOGUE["jugendquotient"].is_share
            (True, False)
        """
        return self.unit == "%" and self.scale == 100 and all(
            c > 0 for c in self.numerator.values())

    @property
    def variables(self) -> tuple[str, ...]:
        """All variables used, numerator first."""
        return tuple(dict.fromkeys([*self.numerator, *self.denominator]))

    def as_dict(self) -> dict[str, Any]:
        """The definition as a project-file entry (read back by :func:`indicator_from_dict`).

        Example:
            >>> d = CATALOGUE["sgb2_quote"].as_dict()
            >>> d["label"], indicator_from_dict("sgb2_quote", d) == CATALOGUE["sgb2_quote"]
            ('SGB II-Quote', True)
        """
        return {"label": self.label, "unit": self.unit, "numerator": dict(self.numerator),
                "denominator": list(self.denominator), "scale": self.scale,
                "definition": self.definition, "label_en": self.label_en,
                "definition_en": self.definition_en}

    def describe(self, lang: str = "de") -> str:
        """Label, unit and definition in one line.

        Example:
            >>> CATALOGUE["altenquotient"].describe()[:14]
            'Altenquotient '
        """
        if lang == "en":
            return f"{self.label_en or self.label} ({self.unit}): {self.definition_en}"
        return f"{self.label} ({self.unit}): {self.definition}"


def _ind(id: str, label: str, num: dict[str, float], den: tuple[str, ...], scale: float,
         unit: str, definition: str, label_en: str, definition_en: str) -> Indicator:
    return Indicator(id, label, num, den, scale, unit, definition, label_en, definition_en)


#: the usual Sozialbericht indicators over standard variable names
CATALOGUE: dict[str, Indicator] = {i.id: i for i in [
    _ind("sgb2_quote", "SGB II-Quote", {"sgb2_rlb": 1}, ("bev_u65",), 100, "%",
         "Regelleistungsberechtigte nach SGB II je 100 Einwohner unter 65 Jahren",
         "SGB II rate", "SGB II benefit recipients per 100 inhabitants under 65"),
    _ind("kinderarmut", "Kinderarmut (SGB II unter 15)", {"sgb2_nef_u15": 1}, ("bev_u15",),
         100, "%",
         "nicht erwerbsfähige Leistungsberechtigte nach SGB II unter 15 Jahren je 100 Kinder "
         "unter 15 Jahren", "child poverty (SGB II under 15)",
         "SGB II recipients under 15 per 100 children under 15"),
    _ind("elb_quote", "eLb-Quote", {"sgb2_elb": 1}, ("bev_15_65",), 100, "%",
         "erwerbsfähige Leistungsberechtigte nach SGB II je 100 Einwohner von 15 bis unter 65 "
         "Jahren", "employable SGB II rate",
         "employable SGB II recipients per 100 inhabitants aged 15 to 64"),
    _ind("arbeitslosenanteil", "Arbeitslosenanteil", {"arbeitslose": 1}, ("bev_15_65",), 100,
         "%", "Arbeitslose je 100 Einwohner von 15 bis unter 65 Jahren",
         "unemployment share", "unemployed per 100 inhabitants aged 15 to 64"),
    _ind("jugendquotient", "Jugendquotient", {"bev_u20": 1}, ("bev_20_65",), 100,
         "je 100", "Einwohner unter 20 Jahren je 100 Einwohner von 20 bis unter 65 Jahren",
         "youth dependency ratio", "inhabitants under 20 per 100 aged 20 to 64"),
    _ind("altenquotient", "Altenquotient", {"bev_65plus": 1}, ("bev_20_65",), 100, "je 100",
         "Einwohner ab 65 Jahren je 100 Einwohner von 20 bis unter 65 Jahren",
         "old-age dependency ratio", "inhabitants 65 and over per 100 aged 20 to 64"),
    _ind("anteil_65plus", "Anteil ab 65 Jahren", {"bev_65plus": 1}, ("bev_insg",), 100, "%",
         "Einwohner ab 65 Jahren je 100 Einwohner", "share aged 65+",
         "inhabitants 65 and over per 100 inhabitants"),
    _ind("anteil_u18", "Anteil unter 18 Jahren", {"bev_u18": 1}, ("bev_insg",), 100, "%",
         "Einwohner unter 18 Jahren je 100 Einwohner", "share under 18",
         "inhabitants under 18 per 100 inhabitants"),
    _ind("wanderungssaldo", "Wanderungssaldo", {"zuzuege": 1, "fortzuege": -1},
         ("bev_insg",), 1000, "je 1.000 Einw.",
         "Zuzüge minus Fortzüge je 1.000 Einwohner", "net migration",
         "in-migration minus out-migration per 1,000 inhabitants"),
    _ind("natuerlicher_saldo", "Natürlicher Saldo", {"geborene": 1, "gestorbene": -1},
         ("bev_insg",), 1000, "je 1.000 Einw.",
         "Lebendgeborene minus Gestorbene je 1.000 Einwohner", "natural balance",
         "live births minus deaths per 1,000 inhabitants"),
    _ind("geburtenverhaeltnis", "Geburtenverhältnis", {"geborene": 1}, ("gestorbene",), 100,
         "je 100 Gestorbene", "Lebendgeborene je 100 Gestorbene", "births to deaths ratio",
         "live births per 100 deaths"),
    _ind("geburtenziffer", "Allgemeine Geburtenziffer", {"geborene": 1}, ("frauen_15_45",),
         1000, "je 1.000 Frauen", "Lebendgeborene je 1.000 Frauen von 15 bis unter 45 Jahren",
         "general fertility rate", "live births per 1,000 women aged 15 to 44"),
    _ind("geburtenrate", "Geburtenrate", {"geborene": 1}, ("bev_insg",), 1000,
         "je 1.000 Einw.", "Lebendgeborene je 1.000 Einwohner", "crude birth rate",
         "live births per 1,000 inhabitants"),
    _ind("sterberate", "Sterberate", {"gestorbene": 1}, ("bev_insg",), 1000,
         "je 1.000 Einw.", "Gestorbene je 1.000 Einwohner", "crude death rate",
         "deaths per 1,000 inhabitants"),
]}


def field_label(field: str, lang: str = "de") -> tuple[str, str]:
    """Label and unit of a field: from the indicator catalogue, else the field name.

    Examples
    --------
    >>> field_label("sgb2_quote")[0], field_label("meine_zahl")
    ('SGB II-Quote', ('meine_zahl', ''))
    """
    indicator = CATALOGUE.get(field)
    if indicator is None:
        return field, ""
    label = indicator.label_en or indicator.label if lang == "en" else indicator.label
    return label, indicator.unit


def indicator_from_dict(id: str, spec: Mapping[str, Any]) -> Indicator:
    """Build a user indicator from a project-file entry.

    ``numerator`` is a variable name, a list of names, or a ``{name: coefficient}`` table;
    ``denominator`` a name or list; ``scale`` defaults to 100.

    Example:
        >>> i = indicator_from_dict("hzp", {"label": "HzP-Quote", "numerator": "hzp",
        ...     "denominator": "bev_insg", "scale": 1000, "unit": "je 1.000 Einw.",
        ...     "definition": "Hilfe zur Pflege je 1.000 Einwohner"})
        >>> i.numerator, i.denominator, i.scale
        ({'hzp': 1.0}, ('bev_insg',), 1000.0)
    """
    def names(value: Any, what: str) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            return list(value)
        raise GeosozialError("ind.bad_definition", indicator=id,
                             problem=f"{what} must be a variable name or a list of names")

    num_spec = spec.get("numerator")
    if isinstance(num_spec, Mapping):
        numerator = {str(k): float(v) for k, v in num_spec.items()}
    else:
        numerator = {n: 1.0 for n in names(num_spec, "numerator")}
    denominator = tuple(names(spec.get("denominator"), "denominator"))
    scale = float(spec.get("scale", 100))
    if scale <= 0:
        raise GeosozialError("ind.bad_definition", indicator=id, problem="scale must be > 0")
    label = str(spec.get("label", id))
    return Indicator(id=id, label=label, numerator=numerator, denominator=denominator,
                     scale=scale, unit=str(spec.get("unit", "%" if scale == 100 else "")),
                     definition=str(spec.get("definition", "")),
                     label_en=str(spec.get("label_en", label)),
                     definition_en=str(spec.get("definition_en", "")))


def get_indicator(id: str, extra: Mapping[str, Indicator] | None = None) -> Indicator:
    """Look an indicator up in ``extra`` (user definitions) and the catalogue.

    Example:
        >>> get_indicator("jugendquotient").denominator
        ('bev_20_65',)
    """
    if extra and id in extra:
        return extra[id]
    if id in CATALOGUE:
        return CATALOGUE[id]
    known = sorted({*CATALOGUE, *(extra or {})})
    raise GeosozialError("ind.unknown", indicator=id, known=", ".join(known))


def check_counts(counts: Mapping[str, Sequence[float]], keys: Sequence[str],
                 source: str) -> None:
    """Raise if any count is negative, naming source, key and variable.

    Example:
        >>> check_counts({"a": [1.0, 0.0]}, ["1", "2"], "t.csv")
    """
    for col in counts:
        values = np.asarray(counts[col], dtype=float)
        bad = np.flatnonzero(values < 0)
        if bad.size:
            i = int(bad[0])
            raise GeosozialError("ind.negative", source=source, value=values[i],
                                 key=keys[i], variable=col)


def compute_indicator(
    indicator: Indicator,
    counts: Mapping[str, Sequence[float]],
    flags: Mapping[str, Sequence[str]],
    keys: Sequence[str],
    source: str = "",
) -> tuple[np.ndarray, list[str], list[Notice]]:
    """Compute one indicator row by row; return values, flags and notices.

    A row whose inputs are suppressed gets flag ``geheim``; missing inputs
    ``keine_daten``; a zero denominator ``nenner_null`` (with a notice naming the keys).
    ``flags`` holds official symbols or computed flags for each variable.

    Example:
        >>> counts = {"sgb2_rlb": [2.0], "bev_u65": [0.0]}
        >>> flags = {"sgb2_rlb": [""], "bev_u65": ["-"]}
        >>> v, f, n = compute_indicator(CATALOGUE["sgb2_quote"], counts, flags, ["x"])
        >>> f
        ['nenner_null']
    """
    for var in indicator.variables:
        if var not in counts:
            raise GeosozialError("ind.unknown_variable", indicator=indicator.id, variable=var,
                                 columns=", ".join(map(str, counts)))
    arrays = {v: np.asarray(counts[v], dtype=float) for v in indicator.variables}
    check_counts(arrays, keys, source)
    n = len(keys)
    num = np.zeros(n)
    for var, coef in indicator.numerator.items():
        num += coef * arrays[var]
    den = np.zeros(n)
    for var in indicator.denominator:
        den += arrays[var]
    row_flags = [input_flag(flags, arrays, list(indicator.variables), i) for i in range(n)]
    values = np.full(n, np.nan)
    out_flags: list[str] = []
    zero = []
    for i in range(n):
        flag = row_flags[i]
        usable = flag == FLAG_OK or flag in PROVISIONAL_FLAGS  # provisional, converted
        if usable and den[i] == 0:
            flag = FLAG_ZERO_DENOMINATOR
            zero.append(str(keys[i]))
        elif usable:
            values[i] = indicator.scale * num[i] / den[i]
        out_flags.append(flag)
    notices = []
    if zero:
        notices.append(Notice("ind.zero_denominator", "warning", indicator=indicator.id,
                              denominator=" + ".join(indicator.denominator),
                              keys=", ".join(zero[:20])))
    if indicator.is_share:
        above = [str(keys[i]) for i in np.flatnonzero(values > indicator.scale)]
        if above:
            notices.append(Notice("ind.share_above_whole", "warning", indicator=indicator.id,
                                  numerator=" + ".join(indicator.numerator),
                                  denominator=" + ".join(indicator.denominator),
                                  keys=", ".join(above[:20])))
    return values, out_flags, notices


def input_flag(flags: Mapping[str, Sequence[str]], counts: Mapping[str, Sequence[float]],
               variables: list[str], row: int) -> str:
    """The computed flag of one row from its inputs' flags and values.

    Example:
        >>> f = {"a": ["."], "b": [""]}
        >>> c = {"a": [np.nan], "b": [3.0]}
        >>> input_flag(f, c, ["a", "b"], 0)
        'geheim'
    """
    result = FLAG_OK
    marks = []
    for var in variables:
        flag = str(flags[var][row]) if var in flags else ""
        value = float(counts[var][row])
        if flag in CONFIDENTIAL_FLAGS:
            return FLAG_SUPPRESSED
        if flag in MISSING_FLAGS or flag in (FLAG_NO_DATA, FLAG_NOT_COMPUTABLE,
                                             FLAG_ZERO_DENOMINATOR) or np.isnan(value):
            result = FLAG_NOT_COMPUTABLE if flag == FLAG_NOT_COMPUTABLE else FLAG_NO_DATA
        elif flag in PROVISIONAL_FLAGS:
            marks.append(flag)
    if result == FLAG_OK and marks:
        return next(f for f in PROVISIONAL_FLAGS if f in marks)
    return result


def add_indicator(frame: Columns, indicator: Indicator, keys: Sequence[str],
                  source: str = "") -> list[Notice]:
    """Compute ``indicator`` from the frame's variable and ``<variable>_flag`` columns.

    Adds the columns ``<id>`` and ``<id>_flag`` in place and returns the notices.

    Example:
        >>> f = Columns({"geborene": [3.0], "geborene_flag": [""],
        ...              "bev_insg": [1500.0], "bev_insg_flag": [""]})
        >>> add_indicator(f, CATALOGUE["geburtenrate"], ["x"])
        []
        >>> float(f["geburtenrate"][0])
        2.0
    """
    variables = [v for v in indicator.variables if v in frame]
    if len(variables) < len(indicator.variables):
        missing = next(v for v in indicator.variables if v not in frame)
        raise GeosozialError("ind.unknown_variable", indicator=indicator.id, variable=missing,
                             columns=", ".join(map(str, frame.columns)))
    counts = {v: frame.numbers(v) for v in variables}
    flags = {v: frame.flags(v) for v in variables}
    values, out_flags, notices = compute_indicator(indicator, counts, flags, keys, source)
    frame[indicator.id] = values
    frame[flag_column(indicator.id)] = out_flags
    return notices


define("ind.syntax",
       de="Indikator {text!r} nicht verstanden; erwartet ID=ZÄHLER/NENNER[*FAKTOR], z. B. "
       "frauenanteil=frauen/einwohner*100 oder saldo=(zuzuege-fortzuege)/bev*1000.",
       en="indicator {text!r} not understood; expected ID=NUMERATOR/DENOMINATOR[*SCALE], e.g. "
       "frauenanteil=frauen/einwohner*100 or saldo=(zuzuege-fortzuege)/bev*1000.")



def _terms(text: str, allow_minus: bool, whole: str) -> dict[str, float]:
    body = text.strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    out: dict[str, float] = {}
    sign = 1.0
    token = ""
    for ch in body + "+":
        if ch in "+-":
            name = token.strip()
            if not name or name in out or (ch == "-" and not allow_minus):
                raise GeosozialError("ind.syntax", text=whole)
            out[name] = sign
            sign = 1.0 if ch == "+" else -1.0
            token = ""
        elif ch in "()=/*":
            raise GeosozialError("ind.syntax", text=whole)
        else:
            token += ch
    return out


def indicator_from_text(text: str, *, label: str | None = None, unit: str | None = None
                        ) -> Indicator:
    """A custom rate from ``ID=NUMERATOR/DENOMINATOR[*SCALE]`` (CLI, project file, Python).

    Numerator terms may be added and subtracted (``(zuzuege-fortzuege)``), denominator
    terms added; the scale defaults to 1 (``*100`` for a percentage). A decimal comma
    is accepted in the scale.

    Examples
    --------
    >>> i = indicator_from_text("frauenanteil=frauen/einwohner*100", label="Frauenanteil")
    >>> i.numerator, i.denominator, i.scale, i.unit, i.label
    ({'frauen': 1.0}, ('einwohner',), 100.0, '%', 'Frauenanteil')
    >>> indicator_from_text("saldo = (zuzuege - fortzuege) / bev * 1000").numerator
    {'zuzuege': 1.0, 'fortzuege': -1.0}
    """
    ident, sep, formula = text.partition("=")
    ident = ident.strip()
    if not sep or not ident or not all(ch.isalnum() or ch == "_" for ch in ident):
        raise GeosozialError("ind.syntax", text=text)
    numerator_text, slash, rest = formula.partition("/")
    if not slash:
        raise GeosozialError("ind.syntax", text=text)
    denominator_text, star, scale_text = rest.partition("*")
    try:
        scale = float(scale_text.strip().replace(",", ".")) if star else 1.0
    except ValueError:
        raise GeosozialError("ind.syntax", text=text) from None
    if not scale > 0:
        raise GeosozialError("ind.syntax", text=text)
    numerator = _terms(numerator_text, True, text)
    denominator = tuple(_terms(denominator_text, False, text))
    default_unit = "%" if scale == 100 else ("‰" if scale == 1000 else "")
    shown = label or ident
    definition = f"{' '.join(('+ ' if c > 0 else '- ') + v for v, c in numerator.items())}"
    definition = definition.lstrip("+ ") + f" je {scale:g} " + " + ".join(denominator)
    return Indicator(id=ident, label=shown, numerator=numerator, denominator=denominator,
                     scale=scale, unit=default_unit if unit is None else unit,
                     definition=definition, label_en=shown, definition_en=definition)


define("ind.label_count",
       de="{given} Beschriftungen ({option}) für {n} eigene Indikatoren (ID=Zähler/Nenner); "
       "bitte je Indikator eine oder keine.",
       en="{given} labels ({option}) for {n} custom indicators (ID=numerator/denominator); "
       "give one per indicator or none.")


def indicators_from_specs(specs: Sequence[str], labels: Sequence[str] = (),
                          units: Sequence[str] = ()) -> list[Indicator]:
    """Catalogue ids and custom rates (``ID=ZÄHLER/NENNER*FAKTOR``) with labels and units.

    ``labels`` and ``units`` (if given) hold one entry per custom rate, in order; this is
    how the CLI (``--indicator``, ``--label``, ``--unit``) and QGIS (INDICATORS) read them.

    Examples
    --------
    >>> [i.label for i in indicators_from_specs(["sgb2_quote", "fa=frauen/bev*100"],
    ...                                         ["Frauenanteil"])]
    ['SGB II-Quote', 'Frauenanteil']
    """
    custom = [s for s in specs if "=" in s]
    for option, given in (("label", labels), ("unit", units)):
        if given and len(given) != len(custom):
            raise GeosozialError("ind.label_count", option=option, given=len(given),
                                 n=len(custom))
    out, k = [], 0
    for spec in specs:
        if "=" not in spec:
            out.append(get_indicator(spec.strip()))
            continue
        out.append(indicator_from_text(spec, label=labels[k] if labels else None,
                                       unit=units[k] if units else None))
        k += 1
    return out
