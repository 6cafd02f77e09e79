"""Shared parameters and helpers of the geosozial algorithms (names as Processing habits)."""

from __future__ import annotations

from contextlib import contextmanager

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
#: the DROP_MISSING parameter's label; the core's message on missing values names it
#: where the command line names ``--dropna``
DROP_MISSING_LABEL = "Gebiete ohne Wert auslassen"
DROP_MISSING_OPTION = f"'{DROP_MISSING_LABEL}'"


class GeosozialAlgorithm(QgsProcessingAlgorithm):
    """Base class: group, German help, numpy/scipy check, kernel errors in German."""

    def group(self) -> str:
        return "Sozialraumanalyse"

    def groupId(self) -> str:
        return "sozialraumanalyse"

    def createInstance(self):
        return type(self)()

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

    def add_inference(self, local: bool) -> None:
        self.addParameter(QgsProcessingParameterNumber(
            "PERMUTATIONS", "Permutationen", defaultValue=999, minValue=0, maxValue=99999))
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Zufallsstartwert (Seed)", defaultValue=12345, minValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "ALTERNATIVE", "Alternativhypothese", options=ALTERNATIVE_LABELS, defaultValue=0))
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

    def inference(self, parameters, context, local: bool, w=None, source: str = "") -> dict:
        """Permutations, seed, alternative (and correction, alpha), checked with the core's
        rule (:func:`geosozial.core.analysis.check_inference`) once the weights exist."""
        out = {"permutations": self.parameterAsInt(parameters, "PERMUTATIONS", context),
               "seed": self.parameterAsInt(parameters, "SEED", context),
               "alternative": ALTERNATIVES[self.parameterAsEnum(parameters, "ALTERNATIVE",
                                                                 context)]}
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

    def source(self, parameters, context):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException("Eingabe-Layer fehlt oder kann nicht gelesen werden.")
        return source


def build_weights(areas, spec: str, source: str, key_field: str, feedback=None):
    """Kernel weights for the areas (same arrays as the Python path), checked by the core:
    duplicate keys are refused naming ``key_field`` and the keys
    (:func:`geosozial.core.weights_spec.unique_ids`, ``weights.ids_duplicate``), no
    neighbours at all is an error and areas without neighbours are named
    (:func:`geosozial.core.analysis.check_weights`); the notices go to the log.
    """
    from geosozial.core.analysis import check_weights
    from geosozial.core.weights_spec import parse_weights_spec, unique_ids, weights_from_arrays

    parsed = parse_weights_spec(spec)
    ids = unique_ids(areas.keys, key_field)
    if parsed.measures_distance:
        w = weights_from_arrays(parsed, len(areas.keys), ids=ids, points=areas.centroids())
    else:
        w = weights_from_arrays(parsed, len(areas.keys), ids=ids, rings=areas.rings())
    notices: list = []
    check_weights(w, areas.keys, spec, source, notices)
    if feedback is not None:
        log_notices(feedback, notices)
    return w, notices


@contextmanager
def kernel_messages(source: str, field: str, keys):
    """Kernel errors inside the block as the core's message naming file, field and keys
    (:func:`geosozial.core.analysis.kernel_error`), the command line's text."""
    from geosozial.core.analysis import kernel_error
    from geosozial.kernel.errors import KernelError

    try:
        yield
    except KernelError as exc:
        raise kernel_error(exc, source, field, keys) from exc


def log_notices(feedback, notices) -> None:
    """Core notices in the log, one line each (``[severity] text``, German)."""
    for notice in notices:
        line = f"[{notice.severity}] {notice.text('de')}"
        if notice.severity == "warning":
            feedback.reportError(line, False)
        else:
            feedback.pushInfo(line)
