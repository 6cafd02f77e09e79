"""Shared parameters and helpers of the geosozial algorithms (names as Processing habits)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .compat import FIELD_NUMERIC, NUMBER_DOUBLE, SOURCE_POLYGON
from .deps import require_numpy_scipy

WEIGHTS = ["queen", "rook", "knn", "distance"]
WEIGHTS_LABELS = ["Queen (gemeinsamer Punkt)", "Rook (gemeinsame Kante)",
                  "k nächste Nachbarn (Schwerpunkte)", "Entfernungsband (Schwerpunkte, Meter)"]
CORRECTIONS = ["fdr", "bonferroni", "none"]
CORRECTION_LABELS = ["FDR (Benjamini-Hochberg)", "Bonferroni", "keine"]
ALTERNATIVES = ["two-sided", "greater", "less", "folded"]
ALTERNATIVE_LABELS = ["zweiseitig", "einseitig (größer)", "einseitig (kleiner)",
                      "gefaltet (|z|)"]
#: the last option where one algorithm runs several statistics (the HTML map): each
#: statistic's own default (:data:`geosozial.core.local_stats.DEFAULT_ALTERNATIVE`)
ALTERNATIVE_STANDARD = ("Standard der Statistik (zweiseitig; Join Counts und Quantil-LISA "
                        "einseitig größer)")
PERMUTATIONS_LABEL = "Permutationen"
PERMUTATIONS_HELP = (
    f"{PERMUTATIONS_LABEL}: auto (Standard) oder eine ganze Zahl (z. B. 999 oder 9.999). "
    "auto: sequenzielle p-Werte (Besag & Clifford), je Gebiet so viele Ziehungen, wie die "
    "Korrektur für multiples Testen braucht (höchstens so viele, dass jedes Gebiet sie "
    "bestehen kann); globale Statistiken ziehen 999-mal")
#: the DROP_MISSING parameter's label; the core's message on missing values names it
#: where the command line names ``--dropna``
DROP_MISSING_LABEL = "Gebiete ohne Wert auslassen"
DROP_MISSING_OPTION = f"'{DROP_MISSING_LABEL}'"


def icon_path(name: str) -> str:
    """Path of the plugin's icon ``name`` (an algorithm's name, or ``geosozial``)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "icons" / f"{name}.svg")


class GeosozialAlgorithm(QgsProcessingAlgorithm):
    """Base class: group, German help, numpy/scipy check, kernel errors in German."""

    def group(self) -> str:
        return "Sozialraumanalyse"

    def groupId(self) -> str:
        return "sozialraumanalyse"

    def createInstance(self):
        return type(self)()

    def svgIconPath(self) -> str:
        """The algorithm's own icon in the toolbox: ``icons/<name>.svg``."""
        return icon_path(self.name())

    def icon(self):
        from qgis.PyQt.QtGui import QIcon

        return QIcon(self.svgIconPath())

    def shortHelpString(self) -> str:
        return self.HELP

    HELP = ""

    def processAlgorithm(self, parameters, context, feedback):
        require_numpy_scipy()
        from geosozial.core.messages import GeosozialError
        from geosozial.kernel.errors import KernelError

        try:
            return self.compute(parameters, context, feedback)
        except KernelError as exc:  # outside :func:`kernel_messages` (no field to name)
            raise QgsProcessingException(f"{self.displayName()}: {exc}") from exc
        except GeosozialError as exc:
            raise QgsProcessingException(exc.text("de")) from exc

    def compute(self, parameters, context, feedback):
        raise NotImplementedError

    # --- parameters -------------------------------------------------------------------

    def add_input(self, numeric_field: bool = True) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", "Gebiete (Flächen)", [SOURCE_POLYGON]))
        self.addParameter(QgsProcessingParameterField(
            "KEY_FIELD", "Schlüsselfeld (AGS/ARS)", parentLayerParameterName="INPUT"))
        if numeric_field:
            self.addParameter(QgsProcessingParameterField(
                "FIELD", "Zu untersuchendes Zahlenfeld", parentLayerParameterName="INPUT",
                type=FIELD_NUMERIC))

    def add_weights(self) -> None:
        self.addParameter(QgsProcessingParameterEnum(
            "WEIGHTS", "Nachbarschaft", options=WEIGHTS_LABELS, defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "K", "Anzahl Nachbarn (nur k nächste Nachbarn)", defaultValue=6, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(
            "DISTANCE", "Entfernung in Metern (nur Entfernungsband)",
            type=NUMBER_DOUBLE, defaultValue=5000.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber(
            "SNAP", "Fangabstand in Metern: Nachbarn auch über Lücken zwischen Grenzen "
            "(vereinfachte Geometrien; wie --snap; 0 = keiner)", type=NUMBER_DOUBLE,
            defaultValue=0.0, minValue=0.0, maxValue=100000.0))

    def snap(self, parameters, context) -> float:
        """SNAP in metres (0 where the algorithm has no such parameter)."""
        if self.parameterDefinition("SNAP") is None:
            return 0.0
        return float(self.parameterAsDouble(parameters, "SNAP", context) or 0.0)

    def add_inference(self, local: bool, statistic: str | None = "moran") -> None:
        """PERMUTATIONS (``auto`` or a whole number), SEED, ALTERNATIVE (default: the
        statistic's, :data:`geosozial.core.local_stats.DEFAULT_ALTERNATIVE`; with
        ``statistic=None`` a last option "Standard der Statistik"), and for local
        statistics CORRECTION and ALPHA; DROP_MISSING."""
        from geosozial.core.local_stats import DEFAULT_ALTERNATIVE

        permutations = QgsProcessingParameterString(
            "PERMUTATIONS", f"{PERMUTATIONS_LABEL} (auto oder Anzahl, z. B. 999)",
            defaultValue="auto")
        if hasattr(permutations, "setHelp"):  # QGIS 3.16+: the tooltip in the dialog
            permutations.setHelp(PERMUTATIONS_HELP)
        self.addParameter(permutations)
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Zufallsstartwert (Seed)", defaultValue=12345, minValue=0))
        if statistic is None:
            options, default = [*ALTERNATIVE_LABELS, ALTERNATIVE_STANDARD], \
                len(ALTERNATIVE_LABELS)
        else:
            options = ALTERNATIVE_LABELS
            default = ALTERNATIVES.index(DEFAULT_ALTERNATIVE[statistic])
        self.addParameter(QgsProcessingParameterEnum(
            "ALTERNATIVE", "Alternativhypothese", options=options, defaultValue=default))
        if local:
            self.addParameter(QgsProcessingParameterEnum(
                "CORRECTION", "Korrektur für multiples Testen", options=CORRECTION_LABELS,
                defaultValue=0))
            self.addParameter(QgsProcessingParameterNumber(
                "ALPHA", "Signifikanzniveau", type=NUMBER_DOUBLE,
                defaultValue=0.05, minValue=0.0001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterBoolean(
            "DROP_MISSING", f"{DROP_MISSING_LABEL} (werden im Protokoll genannt)",
            defaultValue=False))

    def add_confidentiality(self) -> None:
        """MIN_COUNT, NO_CONFIDENTIALITY and RELATIONS, as ``--min-count``,
        ``--no-confidentiality`` and ``--relation`` of the command line."""
        self.addParameter(QgsProcessingParameterNumber(
            "MIN_COUNT", "Geheimhaltung: Fallzahlen 1 bis N-1 sperren (N, Standard 3)",
            defaultValue=3, minValue=1))
        self.addParameter(QgsProcessingParameterBoolean(
            "NO_CONFIDENTIALITY", "Keine Geheimhaltung (nur für interne Auswertungen)",
            defaultValue=False))
        self.addParameter(QgsProcessingParameterString(
            "RELATIONS", "Summenbeziehungen für die Geheimhaltung, z. B. "
            "'Insgesamt=männlich+weiblich' (mehrere mit ; trennen; GENESIS-Summen werden "
            "erkannt)", optional=True))

    # --- reading parameters -----------------------------------------------------------

    def rule(self, parameters, context):
        """The confidentiality rule (None with NO_CONFIDENTIALITY), as the CLI's."""
        from geosozial.core.confidentiality import ConfidentialityRule

        if self.parameterAsBool(parameters, "NO_CONFIDENTIALITY", context):
            return None
        return ConfidentialityRule(min_count=self.parameterAsInt(parameters, "MIN_COUNT",
                                                                 context))

    def text_list(self, parameters, name: str, context) -> list[str]:
        """A string parameter of several entries separated by ``;`` (empty ones dropped)."""
        text = self.parameterAsString(parameters, name, context) or ""
        return [part.strip() for part in text.split(";") if part.strip()]

    def relations(self, parameters, context) -> list[str]:
        """RELATIONS as the CLI's ``--relation`` texts (parsed and checked by the core)."""
        return self.text_list(parameters, "RELATIONS", context)

    def optional_string(self, parameters, name: str, context) -> str | None:
        """A string or field parameter, None when empty."""
        value = self.parameterAsString(parameters, name, context)
        return value.strip() if value and value.strip() else None

    def weights_spec(self, parameters, context) -> str:
        method = WEIGHTS[self.parameterAsEnum(parameters, "WEIGHTS", context)]
        if method == "knn":
            return f"knn:{self.parameterAsInt(parameters, 'K', context)}"
        if method == "distance":
            return f"distance:{self.parameterAsDouble(parameters, 'DISTANCE', context):g}"
        return method

    def permutations(self, parameters, context, source: str = ""):
        """PERMUTATIONS as the core takes it: ``"auto"`` or a whole number.

        Text is ``auto`` (any case; empty is the default, auto) or a whole number, German
        thousands dots allowed (``9.999``); a number passed by a script (``999``) is taken
        as it is. Anything else is refused naming PERMUTATIONS (the range is checked by
        :func:`geosozial.core.analysis.check_inference` once the weights exist).
        """
        raw = parameters.get("PERMUTATIONS") if isinstance(parameters, dict) else None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw == int(raw):
            return int(raw)
        from geosozial.core.analysis import parse_permutations

        text = (self.parameterAsString(parameters, "PERMUTATIONS", context) or "").strip()
        value = parse_permutations(text)
        if value is None:
            from geosozial.core.messages import GeosozialError

            _define_messages()
            raise GeosozialError("qgis.permutations", file=source, value=text)
        return value

    def alternative(self, parameters, context) -> str | None:
        """ALTERNATIVE as the core's word; None for "Standard der Statistik"."""
        index = self.parameterAsEnum(parameters, "ALTERNATIVE", context)
        return ALTERNATIVES[index] if 0 <= index < len(ALTERNATIVES) else None

    def inference(self, parameters, context, local: bool, w=None, source: str = "") -> dict:
        """Permutations, seed, alternative (and correction, alpha), checked with the core's
        rule (:func:`geosozial.core.analysis.check_inference`) once the weights exist."""
        out = {"permutations": self.permutations(parameters, context, source),
               "seed": self.parameterAsInt(parameters, "SEED", context),
               "alternative": self.alternative(parameters, context)}
        if local:
            out["correction"] = CORRECTIONS[self.parameterAsEnum(parameters, "CORRECTION",
                                                                  context)]
            out["alpha"] = self.parameterAsDouble(parameters, "ALPHA", context)
        if w is not None:
            import numpy as np

            from geosozial.core.analysis import check_inference

            k_max = int(np.diff(w.sparse.indptr).max()) if w.n else 0
            check_inference(permutations=out["permutations"], seed=out["seed"], n=w.n,
                            k_max=k_max, local=local, source=source,
                            alpha=out.get("alpha", 0.05))
        return out

    def edition(self, parameters, context, source) -> str:
        """The latest ``WSK`` (``YYYY-MM-DD``) of the whole input layer, "" without one.

        Read from the layer itself, not from "selected features only": a Kreis chosen
        from a VG250 layer still has the edition's date (the command line reads the
        whole file before ``--kreis`` the same way)."""
        from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProcessingUtils

        layer = self.parameterAsVectorLayer(parameters, "INPUT", context)
        value = parameters.get("INPUT") if isinstance(parameters, dict) else None
        if layer is None and isinstance(value, QgsProcessingFeatureSourceDefinition):
            layer = QgsProcessingUtils.mapLayerFromString(str(value.source.staticValue()),
                                                          context)  # "selected only"
        if layer is not None and not hasattr(layer, "getFeatures"):
            layer = None
        target = layer if layer is not None else source
        index = target.fields().indexOf("WSK")
        if index < 0:
            return ""
        from qgis.core import QgsFeatureRequest

        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
        request.setSubsetOfAttributes([index])
        dates = []
        from .compat import SKIP_VALIDITY_CHECKS

        features = target.getFeatures(request) if layer is not None else \
            target.getFeatures(request, SKIP_VALIDITY_CHECKS)
        for feature in features:
            value = feature.attributes()[index]
            text = value.toString("yyyy-MM-dd") if hasattr(value, "toString") else \
                str(value or "")[:10]
            if len(text) == 10 and text[:4].isdigit():
                dates.append(text)
        return max(dates) if dates else ""

    def source(self, parameters, context):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException("Eingabe-Layer fehlt oder kann nicht gelesen werden.")
        return source

    def local_statistic(self, parameters, context, feedback, statistic: str, field: str, *,
                        more=(), neighbour: str | None = None, base: str | None = None,
                        quantiles: int | None = None, quantile: int | None = None,
                        name_field: str | None = None) -> LocalRun:
        """A local statistic on INPUT, step by step as the command line's
        ``geosozial lisa`` / ``hotspots`` (:func:`geosozial.geo.analysis.local_analysis`):
        options checked (:func:`geosozial.core.local_stats.check_options`, the LISA
        variant), values read field by field (second field, further fields, then the
        analysed one), at least 3 areas, 0/1 values for join counts, weights, inference,
        one kernel call (:func:`geosozial.core.local_stats.run_local`) and the kernel's
        warnings and the Empirical-Bayes hint as the core's notices in the log.
        """
        from geosozial.core.analysis import (
            cases_above_base,
            check_count,
            check_second_field,
            check_variant,
        )
        from geosozial.core.local_stats import (
            base_hint,
            check_binary,
            check_options,
            kind_of,
            run_local,
            warning_notices,
        )

        from .qgis_arrays import read_areas

        source = self.source(parameters, context)
        what = source.sourceName()
        key = self.parameterAsString(parameters, "KEY_FIELD", context)
        kind = kind_of(statistic)
        more = [f for f in more if f != field]
        check_options(statistic, what, neighbour_field=neighbour, base_field=base,
                      fields=more, quantiles=quantiles, quantile=quantile)
        second = check_variant("lisa" if statistic == "moran" else kind, neighbour, base,
                               what)
        self.permutations(parameters, context, what)  # refused before anything is read
        drop = self.parameterAsBool(parameters, "DROP_MISSING", context)
        areas = read_areas(source, key, ([second] if second else []) + more + [field],
                           feedback, name_field=name_field, what=what, drop_missing=drop)
        log_notices(feedback, areas.notices)
        y = areas.values[field]
        x = areas.values[second] if second else None
        if neighbour:
            check_second_field(x, neighbour, what)
        check_count(len(y), field, what,
                    dropped=drop and any(n.code == "ana.dropped" for n in areas.notices))
        if statistic == "joincount":
            check_binary(y, areas.keys, field, what)
        if statistic == "quantile":
            check_options(statistic, what, quantiles=quantiles, quantile=quantile, n=len(y))
        spec = self.weights_spec(parameters, context)
        snap = self.snap(parameters, context)
        w, _ = build_weights(areas, spec, what, key, feedback, snap)
        feedback.pushInfo(f"Nachbarschaft {w.describe('de')}.")
        if feedback.isCanceled():
            raise QgsProcessingException("abgebrochen")
        feedback.setProgress(40)
        kwargs = self.inference(parameters, context, local=True, w=w, source=what)
        notices: list = []
        if base and x is not None:
            notices += cases_above_base(y, x, areas.keys, field, base, what)
        with kernel_messages(what, field, areas.keys, base):
            res = run_local(statistic, y, w, second=x, neighbour_field=neighbour,
                            base_field=base, more=[areas.values[f] for f in more],
                            fields=[field, *more], quantiles=quantiles, quantile=quantile,
                            **kwargs)
        if snap:
            res.method["snap"] = float(snap)  # named in the method line, as on the CLI
        notices += warning_notices(res, what, field, base_field=base)
        if statistic in ("moran", "gi") and not base and not neighbour:
            notices += base_hint(field, attribute_columns(areas), what)
        log_notices(feedback, notices)
        feedback.setProgress(70)
        return LocalRun(what, field, areas, w, res, dict(res.method, field=field), kind,
                        statistic, [*areas.notices, *notices])


@dataclass
class LocalRun:
    """A local statistic's areas, weights, kernel result and method record (with the
    field), its result kind (:func:`geosozial.core.local_stats.kind_of`) and notices."""

    source: str
    field: str
    areas: Any
    weights: Any
    result: Any
    method: dict
    kind: str
    statistic: str
    notices: list = dc_field(default_factory=list)

    @property
    def multivariate(self) -> bool:
        return len(self.method.get("fields") or ()) > 1


def attribute_columns(areas) -> dict[str, list]:
    """The attribute columns of the areas (plain values), as the geopandas door's frame
    columns for :func:`geosozial.core.local_stats.base_hint`."""
    from .qgis_arrays import plain_value

    if not areas.features:
        return {}
    names = areas.features[0].fields().names()
    return {name: [plain_value(f.attribute(i)) for f in areas.features]
            for i, name in enumerate(names)}


def build_weights(areas, spec: str, source: str, key_field: str, feedback=None,
                  snap: float = 0.0):
    """Kernel weights for the areas (same arrays as the Python path), checked by the core:
    duplicate keys are refused naming ``key_field`` and the keys
    (:func:`geosozial.core.weights_spec.unique_ids`, ``weights.ids_duplicate``), no
    neighbours at all is an error and areas without neighbours are named
    (:func:`geosozial.core.analysis.check_weights`, with the hint on ``SNAP``); ``snap``
    metres join contiguity across gaps, as ``--snap``; the notices go to the log.
    """
    from geosozial.core.analysis import check_weights
    from geosozial.core.weights_spec import parse_weights_spec, unique_ids, weights_from_arrays

    parsed = parse_weights_spec(spec)
    ids = unique_ids(areas.keys, key_field)
    if parsed.measures_distance:
        w = weights_from_arrays(parsed, len(areas.keys), ids=ids, points=areas.centroids())
    else:
        w = weights_from_arrays(parsed, len(areas.keys), ids=ids, rings=areas.rings(),
                                tolerance=snap)
    notices: list = []
    check_weights(w, areas.keys, spec, source, notices,
                  names=getattr(areas, "names", None), snap=snap, snap_option="SNAP")
    if feedback is not None:
        log_notices(feedback, notices)
    return w, notices


def _define_messages() -> None:
    from geosozial.core.messages import define

    define("qgis.permutations",
           de=f"{{file}}: PERMUTATIONS ({PERMUTATIONS_LABEL}) {{value!r}} ist nicht möglich; "
           "erlaubt sind auto (Standard: sequenziell so viele, wie die Korrektur braucht) "
           "oder eine ganze Zahl, z. B. 999 oder 9.999.",
           en="{file}: PERMUTATIONS {value!r} is not possible; allowed are auto (default: "
           "sequentially as many as the correction needs) or a whole number, e.g. 999 or "
           "9999.")


@contextmanager
def kernel_messages(source: str, field: str, keys, base_field: str | None = None):
    """Kernel errors inside the block as the core's message naming file, field and keys
    (:func:`geosozial.core.analysis.kernel_error`), the command line's text."""
    from geosozial.core.analysis import kernel_error
    from geosozial.kernel.errors import KernelError

    try:
        yield
    except KernelError as exc:
        raise kernel_error(exc, source, field, keys, base_field) from exc


def log_notices(feedback, notices) -> None:
    """Core notices in the log, one line each (``[severity] text``, German); warnings as
    warnings (orange in the dialog, ``WARNING`` under qgis_process), not as errors."""
    for notice in notices:
        line = f"[{notice.severity}] {notice.text('de')}"
        if notice.severity == "warning":
            push_warning(feedback, line)
        else:
            feedback.pushInfo(line)


def push_warning(feedback, line: str) -> None:
    """A warning in the log: ``pushWarning`` (QGIS 3.16+), else a non-fatal error."""
    if hasattr(feedback, "pushWarning"):
        feedback.pushWarning(line)
    else:  # pragma: no cover - QGIS before 3.16
        feedback.reportError(line, False)
