"""Generate the fictional demo project ``geodata/musterkreis`` (Landkreis "Musterkreis").

Everything is invented (Kreis key 14999 does not exist). Seeded, byte-identical on every
run with the same library versions, no network. Usage: ``python scripts/make_demo_data.py
[--out DIR]``. Planted: an SGB II hot spot in the core "Musterstadt" and its neighbours
with a gradient to an older periphery, three two-part municipalities, one exclave, and
two municipal mergers on 01.01.2023 (the 2021 and 2022 tables are on the older
Gebietsstand 31.12.2022; ``umsteiger_2022_2023.csv`` brings them onto today's).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPoint, Polygon

from geosozial.core.confidentiality import ConfidentialityRule, Protection

SEED = 20240517
KREIS_KEY = "14999"
KREIS_NAME = "Musterkreis (fiktiv)"
YEARS = (2021, 2022, 2023)
CRS = "EPSG:25833"
CENTRE = (365_000.0, 5_670_000.0)
RADII = (27_000.0, 21_000.0)  # outline half-axes in m
N_CELLS = 52  # Voronoi cells: 49 mainland municipalities, 3 of them in two parts
N_MERGES = 3
SEGMENT = 300.0  # max. vertex spacing in m before warping
REPO = Path(__file__).resolve().parents[1]

#: mergers on 01.01.2023: a town absorbs a village (its key stays), and two villages
#: form a municipality that keeps the name of today's unit under today's key
ABSORBED_NAME = "Kleinmusterau"
MERGER_DATE = "01.01.2023"
OLD_STAND = "31.12.2022"
CORE_NAME = "Musterstadt"
EXCLAVE_NAME = "Seewerder"
TOWN_NAMES = [
    "Bad Überfeld", "Großhainichen", "Falkenstädt", "Wendelsbrück", "Rabenstätt",
    "Hohenmüstern", "Schönmühl", "Lindhagen am Muster", "Kranichsau", "Eichwerder",
    "Bärenfurt", "Tännichtal", "Weißgrubenau", "Sperlingsberg",
]
OTHER_NAMES = [
    "Müllersgrün", "Ölsnitzbach", "Großröhrsbach", "Kleinröhrsbach", "Fuchsgrün",
    "Hasenwinkel", "Buchholzau", "Dreiäckern", "Füchtelsdorf", "Grünhainsbach",
    "Hainsdorf am Muster", "Jößnitzgrund", "Kühnsheide", "Lößnitztal", "Mühlenwerder",
    "Niederschönau", "Oberschönau", "Pöhlgrund", "Rößlerwalde", "Schwarzbachtal",
    "Straßenmühle", "Tiefengrüb", "Weidenhäuser", "Wölkenau", "Zschäpperitz",
    "Birkenmühle", "Görnitzau", "Heidelöh", "Krähenwinkel", "Lerchenfeld",
    "Moosbrück", "Nußdorf am Muster", "Quellenhöh", "Ährenfeld",
]
# population classes (2020 base): 14 towns, 20 Gemeinden, 14 villages
CLASS_SIZES = {"town": (14, 3_400, 8_800), "gemeinde": (20, 1_650, 2_700),
               "village": (14, 350, 1_350)}
CORE_POP = 35_300
EXCLAVE_POP = 340
SOZIALREGIONEN = [  # (name, from angle, to angle) in degrees, 0 = east, counter-clockwise
    ("Sozialregion Ost", -20, 50), ("Sozialregion Nord", 50, 130),
    ("Sozialregion West", 130, 200), ("Sozialregion Südwest", 200, 270),
    ("Sozialregion Südost", 270, 340),
]
CORE_SOZIALRAUM = "Sozialraum Musterstadt"
# age groups of the population table (share in %, base profile of an average municipality)
AGE_GROUPS = [
    ("unter 3 Jahre", 2.4), ("3 bis unter 6 Jahre", 2.6), ("6 bis unter 15 Jahre", 8.0),
    ("15 bis unter 18 Jahre", 2.6), ("18 bis unter 20 Jahre", 1.5),
    ("20 bis unter 25 Jahre", 3.8), ("25 bis unter 30 Jahre", 4.8),
    ("30 bis unter 50 Jahre", 23.5), ("50 bis unter 65 Jahre", 24.0),
    ("65 bis unter 75 Jahre", 12.5), ("75 Jahre und mehr", 14.3),
]
NOTE = f'''"zu ""gesamter Tabelle"":
FIKTIVE DEMODATEN - kein realer Landkreis.
Der Musterkreis (Kreisschlüssel 14999) und alle Gemeinden
sind erfunden. Die Zahlen wurden mit scripts/make_demo_data.py
(Seed {SEED}) erzeugt und sind keine amtliche Statistik.

Zeichenerklärung:
- = nichts vorhanden (genau null)
. = Zahlenwert unbekannt oder geheim zu halten
(Fallzahlen 1 und 2 werden als . ausgewiesen)"'''
COPYRIGHT = "© geosozial-Demodaten (fiktiv), frei verwendbar, keine amtliche Statistik."



def make_outline(rng: np.random.Generator) -> Polygon:
    """An irregular closed curve (star-shaped, noisy ellipse) around :data:`CENTRE`."""
    theta = np.linspace(0.0, 2.0 * math.pi, 256, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 8):
        r += rng.uniform(0.02, 0.07) / k**0.6 * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    xy = np.column_stack([CENTRE[0] + RADII[0] * r * np.cos(theta),
                          CENTRE[1] + RADII[1] * r * np.sin(theta)])
    return Polygon(xy)


def place_seeds(rng: np.random.Generator, outline: Polygon, n: int) -> np.ndarray:
    """``n`` well-spread points in ``outline`` (dart throwing, 2 Lloyd steps); core first."""
    dmin = 0.7 * math.sqrt(outline.area / n)
    pts = [np.array(CENTRE) + rng.normal(0, 400, 2)]
    x0, y0, x1, y1 = outline.bounds
    for _ in range(100_000):
        if len(pts) == n:
            break
        p = rng.uniform((x0, y0), (x1, y1))
        if outline.contains(shapely.Point(p)) and min(np.hypot(*(p - q)) for q in pts) > dmin:
            pts.append(p)
    assert len(pts) == n, "could not place the seeds"
    seeds = np.array(pts)
    for _ in range(2):
        cells = voronoi_cells(seeds, outline)
        cent = shapely.get_coordinates(shapely.centroid(shapely.intersection(cells, outline)))
        seeds[1:] = cent[1:]
    return seeds


def voronoi_cells(seeds: np.ndarray, outline: Polygon) -> np.ndarray:
    """Voronoi cells of ``seeds`` in input order, extended well beyond ``outline``."""
    vor = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline.buffer(20_000),
                                   ordered=True)
    return np.array(shapely.get_parts(vor))


def build_faces(seeds: np.ndarray, outline: Polygon) -> list[tuple[int, Polygon]]:
    """Faces of the noded Voronoi + outline linework inside the outline, with their cell.

    All faces come from one noded, segmentized line network, so neighbouring faces share
    their boundary vertices bit for bit (a clean polygon coverage).
    """
    cells = voronoi_cells(seeds, outline)
    lines = shapely.union_all([*shapely.boundary(cells), outline.exterior])
    lines = shapely.segmentize(lines, SEGMENT)
    faces = []
    for face in shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))):
        p = shapely.point_on_surface(face)
        if outline.contains(p):
            faces.append((int(np.flatnonzero(shapely.contains(cells, p))[0]), face))
    return faces


def make_warp(rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """A smooth, invertible displacement (Lipschitz < 1) that also rounds to 0.1 m.

    Pure-Python ``math`` per coordinate: identical input vertices give identical output.
    """
    ph = rng.uniform(0, 2 * math.pi, 4)
    a1, l1, a2, l2 = 700.0, 14_000.0, 220.0, 6_000.0

    def warp(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        for i, (x, y) in enumerate(coords.tolist()):
            dx = a1 * math.sin(2 * math.pi * y / l1 + ph[0]) + a2 * math.sin(
                2 * math.pi * (x + y) / l2 + ph[1])
            dy = a1 * math.sin(2 * math.pi * x / l1 + ph[2]) + a2 * math.sin(
                2 * math.pi * (x - y) / l2 + ph[3])
            out[i] = (round(x + dx, 1), round(y + dy, 1))
        return out

    return warp


def make_exclave(rng: np.random.Generator, outline: Polygon) -> Polygon:
    """A small island-like polygon 7 km south-east of the outline, touching nothing."""
    ang = math.radians(-40.0)
    ray = shapely.LineString([CENTRE, (CENTRE[0] + 60_000 * math.cos(ang),
                                       CENTRE[1] + 60_000 * math.sin(ang))])
    edge = shapely.get_coordinates(ray.intersection(outline.exterior))[0]
    dist = math.hypot(*(edge - np.array(CENTRE))) + 7_000.0
    cx, cy = CENTRE[0] + dist * math.cos(ang), CENTRE[1] + dist * math.sin(ang)
    theta = np.linspace(0.0, 2.0 * math.pi, 40, endpoint=False)
    r = 1_500.0 * (1 + 0.15 * np.cos(2 * theta + rng.uniform(0, 6)) + 0.08 * np.cos(
        3 * theta + rng.uniform(0, 6)))
    return Polygon(np.column_stack([cx + 1.3 * r * np.cos(theta), cy + r * np.sin(theta)]))


def adjacency(geoms: np.ndarray) -> list[set[int]]:
    """Queen contiguity (shared point or edge) as neighbour sets."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    nbrs: list[set[int]] = [set() for _ in geoms]
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            nbrs[i].add(j)
    return nbrs


def choose_merges(rng: np.random.Generator, nbrs: list[set[int]]) -> list[tuple[int, int]]:
    """Pairs of non-adjacent cells with a common neighbour, away from the core (cell 0)."""
    banned = {0} | nbrs[0]
    cand = sorted((i, j) for i in range(len(nbrs)) for j in range(i + 1, len(nbrs))
                  if i not in banned and j not in banned and j not in nbrs[i]
                  and nbrs[i] & nbrs[j])
    chosen: list[tuple[int, int]] = []
    used: set[int] = set()
    for k in rng.permutation(len(cand)).tolist():
        i, j = cand[k]
        if not ({i, j} | nbrs[i] | nbrs[j]) & used:
            chosen.append((i, j))
            used |= {i, j}
        if len(chosen) == N_MERGES:
            break
    return chosen


def build_geometries(rng: np.random.Generator) -> np.ndarray:
    """Municipality geometries: index 0 = core, last = exclave, merged cell pairs in between."""
    outline = make_outline(rng)
    seeds = place_seeds(rng, outline, N_CELLS)
    faces = build_faces(seeds, outline)
    warp = make_warp(rng)
    cell_nbrs: list[set[int]] = [set() for _ in range(N_CELLS)]
    face_geoms = np.array([f for _, f in faces])
    for a, nb in enumerate(adjacency(face_geoms)):
        cell_nbrs[faces[a][0]] |= {faces[b][0] for b in nb} - {faces[a][0]}
    merges = choose_merges(rng, cell_nbrs)
    assert len(merges) == N_MERGES, "not enough cell pairs for two-part municipalities"
    partner = {j: i for i, j in merges}
    groups = [[c] + [j for i, j in merges if i == c] for c in range(N_CELLS) if c not in partner]
    geoms = []
    for group in groups:
        parts = [shapely.transform(f, warp) for c, f in faces if c in group]
        geoms.append(parts[0] if len(parts) == 1 else shapely.coverage_union_all(parts))
    geoms.append(shapely.transform(make_exclave(rng, outline), warp))
    return np.array(geoms)


def check_coverage(geoms: np.ndarray) -> None:
    """Raise if the coverage is invalid, has overlaps or gaps, or the exclave touches."""
    assert shapely.is_valid(geoms).all(), "invalid geometry"
    assert shapely.coverage_is_valid(geoms), "invalid coverage"
    union = shapely.union_all(geoms)
    assert abs(union.area - shapely.area(geoms).sum()) < 1.0, "overlaps"
    polys = shapely.get_parts(union)
    assert len(polys) == 2 and all(len(p.interiors) == 0 for p in polys), "gaps"
    assert shapely.distance(geoms[-1], union.difference(geoms[-1])) > 3_000.0



def ring_distance(nbrs: list[set[int]], start: int) -> np.ndarray:
    """Graph distance (number of boundaries crossed) from ``start``; -1 if unreachable."""
    dist = np.full(len(nbrs), -1)
    dist[start], frontier = 0, [start]
    while frontier:
        nxt = []
        for i in frontier:
            for j in sorted(nbrs[i]):
                if dist[j] < 0:
                    dist[j] = dist[i] + 1
                    nxt.append(j)
        frontier = nxt
    return dist


def assign_attributes(rng: np.random.Generator, geoms: np.ndarray) -> pd.DataFrame:
    """Kind, base population, names, keys and Sozialraum of every municipality."""
    n = len(geoms)
    nbrs = adjacency(geoms)
    ring = ring_distance(nbrs, 0)
    df = pd.DataFrame({"ring": ring, "kind": "", "pop0": 0})
    df.loc[0, ["kind", "pop0"]] = ["core", CORE_POP]
    df.loc[n - 1, ["kind", "pop0"]] = ["exclave", EXCLAVE_POP]
    sizes = [(kind, float(s)) for kind, (k, lo, hi) in CLASS_SIZES.items()
             for s in np.exp(np.linspace(math.log(hi), math.log(lo), k))]
    order = np.argsort(ring[1:-1] + rng.normal(0, 0.9, n - 2), kind="stable") + 1
    for idx, (kind, size) in zip(order.tolist(), sizes, strict=True):
        df.loc[idx, ["kind", "pop0"]] = [kind, round(size * rng.uniform(0.9, 1.1))]
    others = list(rng.permutation(OTHER_NAMES))
    towns = iter(TOWN_NAMES)
    df["GEN"] = [CORE_NAME if k == "core" else EXCLAVE_NAME if k == "exclave"
                 else next(towns) if k == "town" else others.pop() for k in df["kind"]]
    df["BEZ"] = df["kind"].map({"core": "Große Kreisstadt", "town": "Stadt"}).fillna("Gemeinde")
    fold = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "A", "Ö": "O", "Ü": "U"})
    alpha = sorted(range(n), key=lambda i: df.at[i, "GEN"].translate(fold))
    df["AGS"] = ""
    for rank, i in enumerate(alpha, start=1):
        df.at[i, "AGS"] = f"{KREIS_KEY}{10 * rank:03d}"
    df["ARS"] = [a[:5] + "0" + a[5:] + a[5:] for a in df["AGS"]]
    # villages form a Verwaltungsgemeinschaft with their largest non-village neighbour
    host = {i: max((j for j in nbrs[i] if df.at[j, "kind"] in ("town", "gemeinde")),
                   key=lambda j: df.at[j, "pop0"], default=None)
            for i in range(n) if df.at[i, "kind"] == "village"}
    hosts = sorted({h for h in host.values() if h is not None}, key=lambda h: df.at[h, "AGS"])
    for k, h in enumerate(hosts, start=1):
        for i in [h, *(v for v, hh in host.items() if hh == h)]:
            a = df.at[i, "AGS"]
            df.at[i, "ARS"] = f"{a[:5]}5{k:03d}{a[5:]}"
    cent = shapely.get_coordinates(shapely.centroid(geoms)) - np.array(CENTRE)
    angle = np.degrees(np.arctan2(cent[:, 1], cent[:, 0])) % 360
    df["Sozialraum"] = [
        CORE_SOZIALRAUM if r in (0, 1) else next(
            name for name, lo, hi in SOZIALREGIONEN if lo <= a < hi or lo <= a - 360 < hi)
        for r, a in zip(ring, angle, strict=True)
    ]
    df["row_name"] = [g + {"Stadt": ", Stadt", "Große Kreisstadt": ", Große Kreisstadt"}.get(
        b, "") for g, b in zip(df["GEN"], df["BEZ"], strict=True)]
    df["parts"] = shapely.get_num_geometries(geoms)
    return df



def age_shares(a: float, year: int) -> np.ndarray:
    """Age-group shares for ageing parameter ``a`` (<0 young core, ~1 old periphery)."""
    a = a + 0.03 * (year - YEARS[0])
    base = np.array([s for _, s in AGE_GROUPS])
    f = np.array([1 - 0.28 * a] * 5 + [1 - 0.4 * a] * 2 + [1 - 0.08 * a, 1 + 0.05 * a]
                 + [1 + 0.35 * a] * 2)
    s = base * f
    return s / s.sum()


def simulate(rng: np.random.Generator, df: pd.DataFrame) -> dict[int, dict[str, np.ndarray]]:
    """Population by age, SGB II, unemployment and vital/migration flows per year."""
    n = len(df)
    ring = df["ring"].to_numpy()
    periph = np.where(ring < 0, 5, ring)
    aging = np.array([-0.35, 0.0, 0.35, 0.6, 0.85, 1.0])[np.minimum(periph, 5)]
    aging = aging + rng.normal(0, 0.12, n)
    sgb_level = np.array([15.0, 12.8, 8.4, 6.2, 5.0, 5.0])[np.minimum(periph, 5)]
    sgb_level += np.where((df["kind"] == "town") & (periph >= 2), 1.0, 0.0)
    sgb_level += rng.normal(0, 0.45, n)
    sgb_level = np.where(ring == 1, np.clip(sgb_level, 12.0, 14.8), sgb_level)
    sgb_level = np.where(periph >= 3, np.clip(sgb_level, 4.0, 7.0), sgb_level)
    net_mig = np.array([0.001, 0.004, 0.0, -0.002, -0.003, -0.004])[np.minimum(periph, 5)]
    pop = df["pop0"].to_numpy().astype(np.int64)
    out: dict[int, dict[str, np.ndarray]] = {}
    for year in YEARS:
        t: dict[str, np.ndarray] = {}
        t["births"] = rng.poisson(pop * (7.8 - 2.0 * aging) / 1000)
        t["deaths"] = rng.poisson(pop * (12.5 + 4.5 * aging) / 1000)
        extra = 0.008 if year == 2022 else 0.0  # refugees from Ukraine
        t["in"] = rng.poisson(pop * (0.040 + extra))
        t["out"] = rng.poisson(pop * np.maximum(0.040 - net_mig, 0.01))
        if year == 2022:  # planted true zero: no births on the island
            t["births"][-1] = 0
        pop = pop + t["births"] - t["deaths"] + t["in"] - t["out"]
        ages = np.array([rng.multinomial(p, age_shares(a, year))
                         for p, a in zip(pop, aging, strict=True)])
        t["ages"] = ages
        t["pop"] = ages.sum(axis=1)
        n15_45 = ages[:, 3:7].sum(axis=1) + np.round(0.75 * ages[:, 7]).astype(np.int64)
        t["women15_45"] = rng.binomial(n15_45, 0.485 - 0.045 * np.maximum(aging, 0))
        factor = {2021: 1.0, 2022: 1.05, 2023: 1.07}[year]
        rate = np.clip(sgb_level * factor + rng.normal(0, 0.25, n), 2.0, 20.0) / 100
        t["rlb"] = rng.binomial(t["pop"], rate)
        t["elb"] = rng.binomial(t["rlb"], 0.71)
        t["nef_u15"] = np.minimum(rng.binomial(t["rlb"] - t["elb"], 0.94),
                                  ages[:, :3].sum(axis=1))
        if year == YEARS[-1]:  # planted suppressed cell: 2 children on the island -> '.'
            t["nef_u15"][-1] = min(2, t["rlb"][-1] - t["elb"][-1])
        pop15_65 = ages[:, 3:9].sum(axis=1)
        t["al"] = rng.binomial(t["elb"], 0.40) + rng.binomial(pop15_65, 0.016 + 0.004 * aging)
        split = np.array([rng.multinomial(a, [0.08, 0.27 + 0.05 * g, 0.65 - 0.05 * g])
                          for a, g in zip(t["al"], aging, strict=True)])
        t["al_u25"], t["al_55"] = split[:, 0], split[:, 1]
        t["lza"] = rng.binomial(t["al"] - t["al_u25"], 0.30 + 0.1 * rate / 0.15)
        out[year] = t
    return out


def mergers(df: pd.DataFrame) -> list[tuple[int, list[tuple[str, str, float]]]]:
    """Today's units that were formed on 01.01.2023: (row, [(old key, old name, share)]).

    The first town beyond the core ring (by key) absorbed the village Kleinmusterau (its
    own key stays); the first Gemeinde two rings out (by key) was formed from
    Ober-/Nieder-<name>, whose keys vanished.
    """
    by_key = df.sort_values("AGS")
    town = next(i for i in by_key.index if df.at[i, "kind"] == "town" and df.at[i, "ring"] >= 2)
    gem = next(i for i in by_key.index if df.at[i, "kind"] == "gemeinde"
               and df.at[i, "ring"] >= 3)
    key_t, key_g, name_g = df.at[town, "AGS"], df.at[gem, "AGS"], df.at[gem, "GEN"]
    return [(town, [(key_t, df.at[town, "row_name"], 0.7),
                    (key_t[:-1] + "5", ABSORBED_NAME, 0.3)]),
            (gem, [(key_g[:-1] + "3", "Ober" + name_g.lower(), 0.55),
                   (key_g[:-1] + "7", "Nieder" + name_g.lower(), 0.45)])]


def _split(rng: np.random.Generator, total: np.ndarray, pool: np.ndarray,
           part_pool: list[int]) -> list[int]:
    """Split ``total`` cases drawn from ``pool`` into the parts' pools (hypergeometric)."""
    out, good, rest = [], int(total), int(pool) - int(total)
    for size in part_pool[:-1]:
        k = int(rng.hypergeometric(good, rest, size)) if size else 0
        out.append(k)
        good, rest = good - k, rest - (size - k)
    return [*out, good]


def old_stand(sim: dict[int, dict[str, np.ndarray]], df: pd.DataFrame
              ) -> dict[int, tuple[pd.DataFrame, dict[str, np.ndarray]]]:
    """The years before the mergers on their own Gebietsstand (31.12.2022).

    Counts of a merged unit are split into its former parts so that the parts sum to
    today's unit exactly (the crosswalk is a whole-unit merge) and every identity of the
    tables holds per part: age groups sum to the total, population(t) = population(t-1)
    + births - deaths + Zuzüge - Fortzüge, SGB II and unemployment within their pools.
    A separate random stream, so today's values stay as they were.
    """
    rng = np.random.default_rng(SEED + 1)
    plan = mergers(df)
    old_years = [y for y in YEARS if y < int(MERGER_DATE[-4:])]
    parts_pop: dict[tuple[int, int], list[int]] = {}
    out = {}
    for year in old_years:
        t = sim[year]
        rows, cols = [], {k: [] for k in t}
        keep = [i for i in range(len(df)) if i not in {r for r, _ in plan}]
        for i in keep:
            rows.append((df.at[i, "AGS"], df.at[i, "row_name"]))
            for k in t:
                cols[k].append(t[k][i])
        for r, parts in plan:
            m = len(parts)
            ages = t["ages"][r]
            if year == old_years[0]:
                sizes = [round(share * int(t["pop"][r])) for _, _, share in parts[:-1]]
                sizes.append(int(t["pop"][r]) - sum(sizes))
                flows = {k: _split(rng, t[k][r], t["pop"][r], sizes)
                         for k in ("births", "deaths", "in", "out")}
            else:
                flows = {k: _split(rng, t[k][r], t["pop"][r], parts_pop[(r, year - 1)])
                         for k in ("births", "deaths", "in", "out")}
                sizes = [parts_pop[(r, year - 1)][j] + flows["births"][j] - flows["deaths"][j]
                         + flows["in"][j] - flows["out"][j] for j in range(m)]
            parts_pop[(r, year)] = sizes
            age_parts = []
            remaining = ages.copy()
            for size in sizes[:-1]:
                drawn = rng.multivariate_hypergeometric(remaining, size)
                age_parts.append(drawn)
                remaining = remaining - drawn
            age_parts.append(remaining)
            pools = {"pop": sizes,
                     "women": [int(a[3:8].sum()) for a in age_parts],
                     "p1565": [int(a[3:9].sum()) for a in age_parts]}
            women = _split(rng, t["women15_45"][r], ages[3:8].sum(), pools["women"])
            rlb = _split(rng, t["rlb"][r], t["pop"][r], sizes)
            elb = _split(rng, t["elb"][r], t["rlb"][r], rlb)
            non = [a - b for a, b in zip(rlb, elb, strict=True)]
            nef = _split(rng, t["nef_u15"][r], t["rlb"][r] - t["elb"][r], non)
            al = _split(rng, t["al"][r], ages[3:9].sum(), pools["p1565"])
            lza = _split(rng, t["lza"][r], t["al"][r], al)
            u25 = _split(rng, t["al_u25"][r], t["al"][r], al)
            rest = [a - u for a, u in zip(al, u25, strict=True)]
            a55 = _split(rng, t["al_55"][r], t["al"][r] - t["al_u25"][r], rest)
            for j, (key, name, _) in enumerate(parts):
                rows.append((key, name))
                values = {"ages": age_parts[j], "pop": sizes[j], "women15_45": women[j],
                          "rlb": rlb[j], "elb": elb[j], "nef_u15": nef[j], "al": al[j],
                          "lza": lza[j], "al_u25": u25[j], "al_55": a55[j],
                          **{k: flows[k][j] for k in flows}}
                assert values["nef_u15"] <= age_parts[j][:3].sum()
                for k in t:
                    cols[k].append(values[k])
        frame = pd.DataFrame(rows, columns=["AGS", "row_name"])
        out[year] = (frame, {k: np.array(v) for k, v in cols.items()})
    return out


def crosswalk_csv(df: pd.DataFrame) -> str:
    """The crosswalk 31.12.2022 -> 31.12.2023 in the layout of ``crosswalk derive``."""
    lines = ["alt;name_alt;neu;name_neu;anteil;gebietsstand"]
    for r, parts in mergers(df):
        for key, name, _ in parts:
            lines.append(f"{key};{name};{df.at[r, 'AGS']};{df.at[r, 'row_name']};1;31.12.2023")
    return "\n".join(lines) + "\n"


def fmt(value: int, withheld: bool) -> str:
    """A cell: '.' for a withheld count, '-' for a true zero."""
    return "." if withheld else "-" if value == 0 else str(value)


def withheld_cells(cols: list[np.ndarray], relations: list[tuple[int, list[int]]]
                   ) -> np.ndarray:
    """What the statistical office withholds: counts 1 and 2 and, secondarily, every
    cell that would reveal them through the Kreis total or a total = parts relation."""
    members = np.column_stack(cols).astype(float)
    n, k = members.shape
    protection = Protection.for_table(members, np.zeros(n, dtype=int), relations)
    rows = n + 2
    protection.protectable[[v * rows + n for v in range(k)]] = False  # Kreis row is public
    protection.solve(ConfidentialityRule(min_count=3))
    return protection.withheld.reshape(k, rows)[:, :n].T


def write_classic(path: Path, code: str, titles: list[str], header: list[list[str]],
                  df: pd.DataFrame, columns: list[np.ndarray],
                  suppress: list[tuple[int, list[int]]] | None, stand: str) -> None:
    """Write one table in the classic Regionalstatistik CSV layout (Latin-1, ';', LF)."""
    pad = ";" * (len(columns) + 1)
    lines = [f"GENESIS-Tabelle: {code}"] + [t + pad for t in titles]
    lines += [";;" + ";".join(row) for row in header]
    cols = [np.asarray(c) for c in columns]
    lines.append(f"{KREIS_KEY};{KREIS_NAME};" + ";".join(fmt(int(c.sum()), False) for c in cols))
    hidden = (withheld_cells(cols, suppress) if suppress is not None
              else np.zeros((len(df), len(cols)), dtype=bool))
    for i in np.argsort(df["AGS"].to_numpy(), kind="stable").tolist():
        cells = ";".join(fmt(int(c[i]), bool(hidden[i, v])) for v, c in enumerate(cols))
        lines.append(f"{df.at[i, 'AGS']};{df.at[i, 'row_name']};{cells}")
    lines += ["__________", NOTE, COPYRIGHT, f"Stand: {stand}"]
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))


def write_tables(out: Path, df: pd.DataFrame, sim: dict[int, dict[str, np.ndarray]]) -> None:
    """The four indicator tables for every year (years before the mergers on their
    Gebietsstand 31.12.2022)."""
    region = "Gemeinden - Musterkreis (fiktiv)"
    history = old_stand(sim, df)
    for year in YEARS:
        if year in history:
            df_year, t = history[year]
        else:
            df_year, t = df, sim[year]
        pub = f"{year + 1}"
        ages = [t["ages"][:, k] for k in range(len(AGE_GROUPS))]
        write_classic(
            out / f"bevoelkerung_{year}.csv", "DEMO-12411-5",
            ["Bevölkerung nach Altersgruppen (11) und Frauen 15 bis unter 45 Jahre -",
             f"Stichtag 31.12. - {region}",
             "Fortschreibung des Bevölkerungsstandes (fiktive Demodaten)",
             "Bevölkerungsstand (Anzahl)", f"Stichtag: 31.12.{year}"],
            [["Insgesamt"] * 12 + ["weiblich"],
             ["Altersgruppen (unter 3 bis 75 u.m.)"] * 12 + ["Frauen im gebärfähigen Alter"],
             [g for g, _ in AGE_GROUPS] + ["Insgesamt", "15 bis unter 45 Jahre"]],
            df_year, [*ages, t["pop"], t["women15_45"]], None, f"20.06.{pub} / 10:14:27")
        write_classic(
            out / f"sgb2_{year}.csv", "DEMO-22811-5",
            ["Regelleistungsberechtigte nach dem SGB II -", f"Stichtag 31.12. - {region}",
             "Statistik der Grundsicherung für Arbeitsuchende (fiktive Demodaten)",
             "Leistungsberechtigte (Anzahl)", f"Stichtag: 31.12.{year}"],
            [["Regelleistungsberechtigte"] * 3,
             ["Insgesamt", "erwerbsfähige Leistungsberechtigte",
              "nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren"]],
            df_year, [t["rlb"], t["elb"], t["nef_u15"]], [(0, [1, 2])], f"11.04.{pub} / 08:31:05")
        write_classic(
            out / f"arbeitslose_{year}.csv", "DEMO-13211-5",
            ["Arbeitslose nach ausgewählten Personengruppen -",
             f"Jahresdurchschnitt - {region}", "Arbeitsmarktstatistik (fiktive Demodaten)",
             "Arbeitslose (Anzahl)", f"Jahr: {year}"],
            [["Arbeitslose"] * 4,
             ["Insgesamt", "Langzeitarbeitslose", "15 bis unter 25 Jahre",
              "55 bis unter 65 Jahre"]],
            df_year, [t["al"], t["lza"], t["al_u25"], t["al_55"]], [], f"07.03.{pub} / 13:02:44")
        write_classic(
            out / f"bewegungen_{year}.csv", "DEMO-12600-5",
            ["Lebendgeborene, Gestorbene, Zu- und Fortzüge -", f"Jahressumme - {region}",
             "Natürliche Bevölkerungsbewegung und Wanderungen (fiktive Demodaten)",
             "Fälle (Anzahl)", f"Jahr: {year}"],
            [["Natürliche Bevölkerungsbewegung"] * 2 + ["Wanderungen"] * 2,
             ["Lebendgeborene", "Gestorbene", "Zuzüge über die Gemeindegrenzen",
              "Fortzüge über die Gemeindegrenzen"]],
            df_year, [t["births"], t["deaths"], t["in"], t["out"]], None, f"18.07.{pub} / 09:47:12")


def write_gpkg(path: Path, df: pd.DataFrame, geoms: np.ndarray) -> None:
    """VG250-like GeoPackage, layer ``gemeinden``, with a fixed timestamp."""
    gdf = gpd.GeoDataFrame(
        df[["AGS", "ARS", "GEN", "BEZ"]].assign(GF=4, EWZ=df["EWZ"].astype("int64")),
        geometry=list(geoms), crs=CRS).sort_values("AGS").reset_index(drop=True)
    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-06-01T00:00:00.000Z"})
    try:
        gdf.to_file(path, layer="gemeinden", driver="GPKG", engine="pyogrio",
                    promote_to_multi=True)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


README = """# Musterkreis: FICTIONAL demo data

Everything here is invented and generated by `scripts/make_demo_data.py` (seed {seed});
do not edit by hand, rerun the script. "Musterkreis" (Kreis key 14999) does not exist;
names, boundaries and numbers are made up. Not official statistics.

## Files

- `gemeinden.gpkg`: layer `gemeinden`, EPSG:25833, {n} municipalities, MultiPolygon, a valid
  coverage (no gaps, no overlaps, coordinates rounded to 0.1 m); VG250-like fields `AGS`
  (8-digit text), `ARS` (12-digit text), `GEN`, `BEZ`, `GF` (4 = land area), `EWZ`
  (population 31.12.{last}).
- `sozialraeume.csv`: UTF-8, `;`, columns `AGS;Sozialraum`, 6 Sozialräume.
- `bevoelkerung_<year>.csv`: population on 31.12. in 11 age groups (unter 3, 3-6, 6-15,
  15-18, 18-20, 20-25, 25-30, 30-50, 50-65, 65-75, 75 und mehr), `Insgesamt`, women 15-45.
- `sgb2_<year>.csv`: SGB II on 31.12.: Regelleistungsberechtigte insgesamt, erwerbsfähige
  Leistungsberechtigte, nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren.
- `arbeitslose_<year>.csv`: unemployed, annual average: insgesamt, Langzeitarbeitslose,
  15 bis unter 25, 55 bis unter 65 Jahre.
- `bewegungen_<year>.csv`: Lebendgeborene, Gestorbene, Zuzüge, Fortzüge (Gemeindegrenzen).
- `umsteiger_2022_2023.csv`: the crosswalk (UTF-8, `;`, `alt;name_alt;neu;name_neu;anteil;
  gebietsstand`) of the mergers on {merger_date}: {merged}.

Years {years}. The tables use the classic Regionalstatistik CSV layout: ISO-8859-1
(Latin-1), `;`, LF line ends, header lines (`GENESIS-Tabelle: DEMO-...`, titles padded
with `;`, `Stichtag: 31.12.<year>` or `Jahr: <year>`), 2 or 3 column-header rows starting
with `;;`, first data row the Kreis total `14999;{kreis}`, then `<AGS>;<name>;values`
sorted by AGS, footer `__________`, a quoted multi-line note, a `©` line and a fixed
`Stand:` line. Symbols: `-` true zero, `.` suppressed count 1 or 2 (SGB II and
unemployment tables only); the Kreis row always holds the true total.

## Planted structure

- Population on 31.12.: {pops}. Urban core {core} (Große Kreisstadt, about 35,000),
  towns 3,000-10,000, Gemeinden 1,500-3,000, villages 300-1,500.
- SGB II hot spot (Regelleistungsberechtigte per 100 inhabitants): {core} (about 15 %) and
  its direct neighbours ({hot}: 12-15 %), a smooth gradient to 4-7 % at the periphery;
  clearly positive Moran's I (queen contiguity).
- The periphery is older (higher share 65+, higher Altenquotient), the core younger.
- Exactly one municipality without neighbours: {exclave}, an island south-east of the
  district, in {exclave_sr}; no births there in 2022 (`-`), SGB II under 15 = 2 in
  2023 (published `.`).
- Two-part municipalities (MultiPolygon, each part has neighbours): {multi}.
- Two mergers on {merger_date}: the tables of {old_years} are on the Gebietsstand
  {old_stand} (former municipalities with their own keys), those of {last} and the
  geometries on today's; the project converts the older years with the crosswalk.
- Consistent counts: age groups sum to `Insgesamt`; population(t) = population(t-1) +
  births - deaths + Zuzüge - Fortzüge (per former municipality, and across the
  mergers on today's keys); Kreis row = sum of the municipalities.
"""


def readme(df: pd.DataFrame, sim: dict[int, dict[str, np.ndarray]]) -> str:
    """The English README of the demo folder."""
    ex = df.iloc[-1]
    return README.format(
        seed=SEED, n=len(df), last=YEARS[-1], years=", ".join(map(str, YEARS)),
        kreis=KREIS_NAME, core=CORE_NAME, pops=", ".join(
            f"{y}: {int(sim[y]['pop'].sum()):,}" for y in YEARS),
        hot=", ".join(df.loc[df["ring"] == 1, "GEN"]), exclave=f"{ex['GEN']} ({ex['AGS']})",
        exclave_sr=ex["Sozialraum"], multi=", ".join(df.loc[df["parts"] > 1, "GEN"]),
        merger_date=MERGER_DATE, old_stand=OLD_STAND,
        old_years=", ".join(str(y) for y in YEARS if y < int(MERGER_DATE[-4:])),
        merged="; ".join(" + ".join(f"{n} ({k})" for k, n, _ in parts) + " → "
                         + f"{df.at[r, 'GEN']} ({df.at[r, 'AGS']})"
                         for r, parts in mergers(df)))


def main(argv: list[str] | None = None) -> int:
    """Generate the demo project and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "geodata" / "musterkreis")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    geoms = build_geometries(rng)
    check_coverage(geoms)
    df = assign_attributes(rng, geoms)
    sim = simulate(rng, df)
    df["EWZ"] = sim[YEARS[-1]]["pop"]
    write_gpkg(out / "gemeinden.gpkg", df, geoms)
    soz = df.sort_values("AGS")[["AGS", "Sozialraum"]]
    (out / "sozialraeume.csv").write_bytes(
        ("AGS;Sozialraum\n" + "".join(f"{a};{s}\n" for a, s in soz.itertuples(index=False)))
        .encode("utf-8"))
    write_tables(out, df, sim)
    (out / "umsteiger_2022_2023.csv").write_bytes(crosswalk_csv(df).encode("utf-8"))
    (out / "README.md").write_text(readme(df, sim), encoding="utf-8", newline="\n")
    (out / "projekt.toml").write_bytes((REPO / "scripts" / "demo_projekt.toml").read_bytes())
    total = 0
    for f in sorted(out.iterdir()):
        total += f.stat().st_size
        print(f"wrote {f} ({f.stat().st_size:,} bytes)")
    print(f"{len(df)} municipalities, population {int(df['EWZ'].sum()):,}, {total:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
