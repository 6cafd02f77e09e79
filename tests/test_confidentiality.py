"""No suppressed count can be derived from published totals (exact linear algebra)."""

import numpy as np
import pytest
from test_indicators_sozialraum import MAPPING, _joined

from geosozial.core.confidentiality import ConfidentialityRule, Protection
from geosozial.core.indicators import CATALOGUE
from geosozial.geo.frames import aggregate_frame


def derivable(values, groups, published_members, published_groups, grand_total):
    """Independent check: which member values an attacker can compute exactly.

    Unknowns are the unpublished members and group totals; equations are every
    published group total and the grand total. A member is derivable iff adding its
    unit row does not raise the rank of the system (it lies in the row space).
    """
    labels = sorted(set(groups))
    n, g = len(values), len(labels)
    unknown = [i for i in range(n) if not published_members[i]] + [
        n + j for j in range(g) if not published_groups[j]]
    rows = []
    for j, label in enumerate(labels):  # G_j - sum(members) = 0
        row = np.zeros(n + g)
        row[n + j] = 1
        row[[i for i in range(n) if groups[i] == label]] = -1
        rows.append(row)
    row = np.zeros(n + g)  # T - sum(G) = 0, T public
    row[n:] = 1
    rows.append(row)
    a = np.array(rows)[:, unknown]
    rank = np.linalg.matrix_rank(a)
    out = []
    for pos, cell in enumerate(unknown):
        if cell >= n:
            continue
        e = np.zeros(len(unknown))
        e[pos] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(cell)
    return out


def test_naive_primary_suppression_alone_is_disclosive():
    # the trap the secondary suppression must close: Süd total minus Cestadt = Düben
    values = np.array([100.0, 50.0, 30.0, 2.0])
    groups = ["N", "N", "S", "S"]
    naive = [True, True, True, False]
    assert derivable(values, groups, naive, [True, True], 182.0) == [3]


def test_aggregate_publishes_nothing_that_reveals_a_suppressed_count():
    res = _aggregate(_joined([100.0, 50.0, 30.0, 2.0]), MAPPING, ["sgb2_rlb", "bev_u65"],
                    rule=ConfidentialityRule(min_count=3))
    members = res.municipalities.set_index("key")
    regions = res.sozialraeume.set_index("name")
    assert members.loc["14999004", "sgb2_rlb_flag"] == "geheim"
    published_members = members["sgb2_rlb"].notna().tolist()
    assert sum(not p for p in published_members) >= 2  # one secondary cell at least
    published_groups = regions["sgb2_rlb"].notna().tolist()
    groups = ["N", "N", "S", "S"]
    assert derivable(np.array([100.0, 50, 30, 2]), groups, published_members,
                     published_groups, 182.0) == []
    # the published numbers themselves are true sums where shown
    if published_groups[1]:
        assert regions.loc["Süd", "sgb2_rlb"] == 32.0
    # the rate of a suppressed municipality is suppressed too (rate x population = count)
    res2 = _aggregate(_joined([100.0, 50.0, 30.0, 2.0]), MAPPING, ["sgb2_rlb", "bev_u65"],
                     indicators=[CATALOGUE["sgb2_quote"]])
    assert np.isnan(res2.municipalities.set_index("key").loc["14999004", "sgb2_quote"])


@pytest.mark.parametrize("seed", range(12))
def test_random_hierarchies_never_disclose(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 60))
    g = int(rng.integers(1, 8))
    values = rng.choice([0, 1, 2, 3, 5, 8, 20, 50, 200], size=n).astype(float)
    groups = rng.integers(0, g, size=n)
    labels = sorted(set(groups.tolist()))
    protection = Protection.for_hierarchy(values, groups)
    protection.solve(ConfidentialityRule(min_count=3))
    primary = protection.primary[:n]
    assert primary.tolist() == [(0 < v < 3) for v in values]
    published_members = (~protection.withheld[:n]).tolist()
    published_groups = (~protection.withheld[n:n + len(labels)]).tolist()
    remapped = [labels.index(x) for x in groups.tolist()]
    leaked = derivable(values, remapped, published_members, published_groups, values.sum())
    assert not set(leaked) & set(np.flatnonzero(primary).tolist())
    assert not any(published_members[i] for i in np.flatnonzero(primary))


def test_rule_is_configurable():
    protection = Protection.for_hierarchy(np.array([4.0, 40.0, 50.0, 60.0]), np.zeros(4))
    protection.solve(ConfidentialityRule(min_count=5))
    assert protection.primary[:4].tolist() == [True, False, False, False]
    protection = Protection.for_hierarchy(np.array([4.0, 40.0, 50.0, 60.0]), np.zeros(4))
    protection.solve(ConfidentialityRule(min_count=3))
    assert not protection.withheld.any()


def _aggregate(joined, mapping, counts, indicators=(), **kwargs):
    """The core aggregation through the geopandas door (counts as given)."""
    return aggregate_frame(joined, mapping, counts=counts, indicators=indicators, **kwargs)
