"""A synthetic Saxony project: the 419 Saxon municipalities of VG5000 (Gebietsstand
01.01.2021) with the 13 Kreise as Sozialräume and seeded, synthetic counts for 2021-2023.

Used by ``tests/test_atlas_saxony.py`` (a subset of Kreise) and
``scripts/bench_atlas_saxony.py`` (all of Saxony). The boundaries are read from
``../shared/data/vg5000_gem_2021/VG5000_GEM.shp`` and written into the temporary project
folder only (never into the repository).

What :func:`write_saxony_project` writes into ``folder``:

- ``gemeinden.gpkg``: layer ``gemeinden`` (EPSG:25833), fields ``AGS``, ``ARS``, ``GEN``,
  ``BEZ``, ``GF``; the geometries as stored in VG5000 (some are invalid: the pipeline
  repairs them with a notice, as it would for a real user);
- ``sozialraeume.csv``: ``AGS;Sozialraum`` with the Kreis (AGS[:5]) of each municipality
  under its name (kreisfreie Städte are one-municipality Sozialräume);
- per year ``bevoelkerung_<y>.csv``, ``sgb2_<y>.csv``, ``arbeitslose_<y>.csv``,
  ``bewegungen_<y>.csv``: plain tables ``AGS;Name;Stichtag;...`` (UTF-8, ``;``), Stichtag
  ``31.12.<y>``, synthetic counts (numpy ``default_rng(seed)``: the same seed gives the
  same bytes). Small municipalities have small SGB II, unemployment, birth and death
  counts, and a few cells are forced to 1 or 2, so the confidentiality rule
  (``min_count = 3``) withholds values;
- ``projekt.toml``: the 14 catalogue indicators these counts allow, two Handlungsfelder,
  LISA and Gi* of ``sgb2_quote``.

Not official statistics: every count is made up.

Examples
--------
>>> import tempfile
>>> saxony = write_saxony_project(tempfile.mkdtemp(), kreise=["14628"])  # doctest: +SKIP
>>> saxony.largest_kreis()  # doctest: +SKIP
'Sächsische Schweiz-Osterzgebirge'
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
VG5000 = REPO.parent / "shared" / "data" / "vg5000_gem_2021" / "VG5000_GEM.shp"
YEARS = (2021, 2022, 2023)
SEED = 20240513

#: the 13 Kreise of Saxony (Gebietsstand 2021) by Kreis key (AGS[:5]); a key not listed
#: here (none in VG5000 2021) would be named "Kreis <key>"
KREISE = {
    "14511": "Chemnitz, Stadt", "14521": "Erzgebirgskreis", "14522": "Mittelsachsen",
    "14523": "Vogtlandkreis", "14524": "Zwickau", "14612": "Dresden, Stadt",
    "14625": "Bautzen", "14626": "Görlitz", "14627": "Meißen",
    "14628": "Sächsische Schweiz-Osterzgebirge", "14713": "Leipzig, Stadt",
    "14729": "Leipzig", "14730": "Nordsachsen",
}
#: population of the kreisfreie Städte (rounded, for a realistic largest unit)
CITIES = {"14713000": 600_000, "14612000": 555_000, "14511000": 244_000}

#: the indicators of the catalogue that the synthetic counts allow
INDICATORS = (
    "sgb2_quote", "kinderarmut", "elb_quote", "arbeitslosenanteil", "jugendquotient",
    "altenquotient", "anteil_65plus", "anteil_u18", "wanderungssaldo", "natuerlicher_saldo",
    "geburtenverhaeltnis", "geburtenziffer", "geburtenrate", "sterberate",
)
PROTECTED = ("sgb2_rlb", "sgb2_elb", "sgb2_nef_u15", "arbeitslose", "geborene", "gestorbene")

AGE = ("unter 6 Jahre", "6 bis unter 15 Jahre", "15 bis unter 18 Jahre",
       "18 bis unter 20 Jahre", "20 bis unter 65 Jahre", "65 Jahre und mehr")
AGE_SHARES = (0.050, 0.080, 0.026, 0.016, 0.538, 0.290)
FRAUEN = "Frauen 15 bis unter 45 Jahre"
SGB2 = ("Regelleistungsberechtigte", "erwerbsfähige Leistungsberechtigte",
        "nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren")
BEWEGUNGEN = ("Lebendgeborene", "Gestorbene insgesamt", "Zuzüge über die Gemeindegrenzen",
              "Fortzüge über die Gemeindegrenzen")


@dataclass
class SaxonyProject:
    """What :func:`write_saxony_project` wrote.

    Attributes
    ----------
    project : Path
        ``projekt.toml``.
    names : dict of str to str
        AGS -> municipality name (GEN).
    kreise : dict of str to str
        Kreis key -> Sozialraum name, the Kreise in the project.
    population : dict of str to int
        AGS -> population (``Insgesamt``) of the last year.
    """

    project: Path
    names: dict[str, str]
    kreise: dict[str, str]
    population: dict[str, int]

    def smallest(self) -> str:
        """AGS of the municipality with the smallest population (last year)."""
        return min(self.population, key=lambda k: (self.population[k], k))

    def largest(self) -> str:
        """AGS of the municipality with the largest population (last year)."""
        return max(self.population, key=lambda k: (self.population[k], k))

    def largest_kreis(self) -> str:
        """Name of the Kreis (Sozialraum) with the most inhabitants (last year)."""
        totals: dict[str, int] = {}
        for key, n in self.population.items():
            name = self.kreise[key[:5]]
            totals[name] = totals.get(name, 0) + n
        return max(totals, key=lambda k: (totals[k], k))


def kreis_name(key: str) -> str:
    """The name of a Saxon Kreis.

    Examples
    --------
    >>> kreis_name("14628"), kreis_name("14999")
    ('Sächsische Schweiz-Osterzgebirge', 'Kreis 14999')
    """
    return KREISE.get(key, f"Kreis {key}")


def read_saxony() -> Any:
    """The 419 Saxon municipalities of VG5000 (GeoDataFrame, EPSG:25833, sorted by AGS)."""
    import geopandas as gpd

    frame = gpd.read_file(VG5000, engine="pyogrio", columns=["AGS", "ARS", "GEN", "BEZ", "GF"])
    frame = frame[frame["AGS"].str.startswith("14")]
    return frame.sort_values("AGS").reset_index(drop=True).to_crs(25833)


def saxony_population(seed: int = SEED) -> dict[str, int]:
    """AGS -> synthetic population of the last year, for all of Saxony (the counts of
    a municipality do not depend on which Kreise a project keeps).

    Examples
    --------
    >>> pop = saxony_population()  # doctest: +SKIP
    >>> len(pop), max(pop, key=pop.get)  # doctest: +SKIP
    (419, '14713000')
    """
    import pyogrio

    keys = sorted(k for k in pyogrio.read_dataframe(VG5000, columns=["AGS"],
                                                    read_geometry=False)["AGS"]
                  if k.startswith("14"))
    last = _counts(keys, np.random.default_rng(seed))[YEARS[-1]]["total"]
    return {k: int(n) for k, n in zip(keys, last, strict=True)}


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def _counts(keys: list[str], rng: np.random.Generator) -> dict[int, dict[str, np.ndarray]]:
    """Synthetic counts per year: name -> array over ``keys``."""
    n = len(keys)
    base = np.exp(rng.normal(np.log(3200), 0.85, n)).round().clip(180, 60_000)
    for i, key in enumerate(keys):
        if key in CITIES:
            base[i] = CITIES[key]
    poverty = rng.gamma(6.0, 1.0, n) / 6.0 * 0.065 * np.where(base > 100_000, 1.7, 1.0)
    jobless = rng.gamma(8.0, 1.0, n) / 8.0 * 0.045
    young = rng.normal(1.0, 0.12, n).clip(0.6, 1.5)
    out: dict[int, dict[str, np.ndarray]] = {}
    for step, year in enumerate(YEARS):
        total = (base * (1 + rng.normal(-0.004 * step, 0.006, n))).round().astype(np.int64)
        shares = np.array(AGE_SHARES)[None, :] * np.ones((n, 1))
        shares[:, :4] *= young[:, None]
        shares[:, 5] = 1 - shares[:, :5].sum(axis=1)
        ages = np.array([rng.multinomial(t, s) for t, s in zip(total, shares, strict=True)])
        u15 = ages[:, 0] + ages[:, 1]
        u65 = ages[:, :5].sum(axis=1)
        rate = poverty * (1 + rng.normal(-0.03 * step, 0.05, n)).clip(0.5, 1.5)
        rlb = rng.binomial(u65, rate.clip(0, 1))
        elb = rng.binomial(rlb, 0.70)
        nef = np.minimum(rng.binomial(u15, (rate * 1.3).clip(0, 1)), rlb - elb)
        alo = rng.binomial(ages[:, 2:5].sum(axis=1), jobless)
        frauen = rng.binomial(ages[:, 3] + ages[:, 4], 0.33)
        born = rng.binomial(total, 0.0072)
        died = rng.binomial(total, 0.0135)
        zuz = rng.binomial(total, 0.052)
        fortz = rng.binomial(total, 0.049)
        # a few small counts 1 or 2 besides those of the small municipalities
        small = rng.choice(n, size=max(1, n // 40), replace=False)
        for i in small:
            which = rng.integers(0, 3)
            value = int(rng.integers(1, 3))
            if which == 0:
                nef[i] = min(value, rlb[i] - elb[i])
            elif which == 1:
                alo[i] = value
            else:
                born[i] = value
        out[year] = {"ages": ages, "total": ages.sum(axis=1), "frauen": frauen,
                     "sgb2": np.stack([rlb, elb, nef], axis=1),
                     "arbeitslose": alo, "bewegungen": np.stack([born, died, zuz, fortz],
                                                                axis=1)}
    return out


def _toml(name: str, attribution: str) -> str:
    use = ",\n    ".join(", ".join(f'"{i}"' for i in INDICATORS[j:j + 5])
                         for j in range(0, len(INDICATORS), 5))
    protected = ", ".join(f'"{v}"' for v in PROTECTED)
    armut = ", ".join(f'"{i}"' for i in INDICATORS[:4])
    demo = ", ".join(f'"{i}"' for i in INDICATORS[4:])
    bev = {"bev_insg": ["Insgesamt"], "bev_u15": list(AGE[:2]), "bev_u18": list(AGE[:3]),
           "bev_u20": list(AGE[:4]), "bev_15_65": list(AGE[2:5]), "bev_20_65": [AGE[4]],
           "bev_u65": list(AGE[:5]), "bev_65plus": [AGE[5]], "frauen_15_45": [FRAUEN]}

    def cols(names: list[str]) -> str:
        return f'"{names[0]}"' if len(names) == 1 else "[" + ", ".join(
            f'"{c}"' for c in names) + "]"

    bev_lines = "\n".join(f"{v} = {cols(c)}" for v, c in bev.items())
    return f"""# Synthetisches Sachsen-Projekt (tests/saxony_project.py): Gemeinden von VG5000
# (Gebietsstand 01.01.2021), die Kreise als Sozialräume, erfundene Fallzahlen.

[project]
name = "{name}"
areas = "gemeinden.gpkg"
layer = "gemeinden"
key = "AGS"
sozialraeume = "sozialraeume.csv"
years = [{", ".join(str(y) for y in YEARS)}]
gebietsstand = "01.01.2021"
attribution = "{attribution}"

[confidentiality]
min_count = 3
variables = [{protected}]

[indicators]
use = [
    {use},
]
dynamics = [{{ id = "sgb2_quote", years = 2 }}]

[maps]
analyse = ["sgb2_quote"]

[atlas]
title = "Sozialatlas {name}"
handlungsfelder = [
    {{ name = "Armut und Arbeit", indicators = [{armut}] }},
    {{ name = "Demografie und Bevölkerungsbewegung", indicators = [{demo}] }},
]

[[tables]]
file = "bevoelkerung_{{year}}.csv"
[tables.variables]
{bev_lines}

[[tables]]
file = "sgb2_{{year}}.csv"
[tables.variables]
sgb2_rlb = "{SGB2[0]}"
sgb2_elb = "{SGB2[1]}"
sgb2_nef_u15 = "{SGB2[2]}"

[[tables]]
file = "arbeitslose_{{year}}.csv"
[tables.variables]
arbeitslose = "Insgesamt"

[[tables]]
file = "bewegungen_{{year}}.csv"
[tables.variables]
geborene = "{BEWEGUNGEN[0]}"
gestorbene = "{BEWEGUNGEN[1]}"
zuzuege = "{BEWEGUNGEN[2]}"
fortzuege = "{BEWEGUNGEN[3]}"
"""


def write_saxony_project(folder: str | Path, kreise: list[str] | None = None,
                         seed: int = SEED) -> SaxonyProject:
    """Write the synthetic Saxony project into ``folder`` (created if needed).

    Parameters
    ----------
    folder : str or Path
    kreise : list of str, optional
        Kreis keys (AGS[:5]) to keep; all 13 by default. The kept municipalities have
        the counts they have in the whole of Saxony.
    seed : int
        Seed of the synthetic counts (same seed, same files).

    Returns
    -------
    SaxonyProject
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frame = read_saxony()
    counts = _counts(frame["AGS"].tolist(), np.random.default_rng(seed))  # all of Saxony
    if kreise:
        keep = frame["AGS"].str[:5].isin(kreise).to_numpy()
        frame = frame[keep].reset_index(drop=True)
        counts = {y: {name: values[keep] for name, values in c.items()}
                  for y, c in counts.items()}
    keys = frame["AGS"].tolist()
    names = dict(zip(keys, frame["GEN"], strict=True))
    frame.to_file(folder / "gemeinden.gpkg", layer="gemeinden", driver="GPKG",
                  engine="pyogrio")
    used = {k[:5]: kreis_name(k[:5]) for k in keys}
    _csv(folder / "sozialraeume.csv", ["AGS", "Sozialraum"],
         [[k, used[k[:5]]] for k in keys])
    for year, c in counts.items():
        day = f"31.12.{year}"
        lead = [[k, names[k], day] for k in keys]
        _csv(folder / f"bevoelkerung_{year}.csv",
             ["AGS", "Name", "Stichtag", "Insgesamt", *AGE, FRAUEN],
             [[*row, int(t), *map(int, a), int(f)] for row, t, a, f in zip(
                 lead, c["total"], c["ages"], c["frauen"], strict=True)])
        _csv(folder / f"sgb2_{year}.csv", ["AGS", "Name", "Stichtag", *SGB2],
             [row + list(map(int, s)) for row, s in zip(lead, c["sgb2"], strict=True)])
        _csv(folder / f"arbeitslose_{year}.csv", ["AGS", "Name", "Stichtag", "Insgesamt"],
             [[*row, int(a)] for row, a in zip(lead, c["arbeitslose"], strict=True)])
        _csv(folder / f"bewegungen_{year}.csv", ["AGS", "Name", "Stichtag", *BEWEGUNGEN],
             [row + list(map(int, b)) for row, b in zip(lead, c["bewegungen"], strict=True)])
    title = "Sachsen (synthetisch)" if not kreise else \
        f"Sachsen, {len(used)} Kreise (synthetisch)"
    (folder / "projekt.toml").write_text(_toml(
        title, "Gemeindegrenzen © GeoBasis-DE / BKG (2021), dl-de/by-2-0; Fallzahlen "
        "synthetisch (tests/saxony_project.py), keine amtliche Statistik"), encoding="utf-8")
    last = counts[YEARS[-1]]["total"]
    return SaxonyProject(folder / "projekt.toml", names, used,
                         {k: int(n) for k, n in zip(keys, last, strict=True)})
