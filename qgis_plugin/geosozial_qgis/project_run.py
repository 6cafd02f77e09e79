"""A project run inside QGIS: the areas read by QGIS, everything else by the core.

QGIS reads the project's areas file (any format QGIS opens) and converts: attribute
values to core columns, geometries to WKB. The rows kept, their keys and names
(:func:`geosozial.core.area_rows.area_rows`), the join, variables, aggregation with
confidentiality, converted flags, update checks and dynamics
(:func:`geosozial.core.run.compute_years`), the join reports
(:func:`geosozial.core.run.report_texts`), the result GeoPackages and the time-series
store (:mod:`geosozial.core.gpkg_write`, :mod:`geosozial.core.store_write`) are the
core's: the command line writes the same values, flags, reports and store content.
The HTML maps are the core's too (:mod:`geosozial.maps.project_maps`: files, layers,
classes, analyses) and so is their geometry (:mod:`geosozial.maps.geometry`: coverage
simplification and lon/lat in numpy), so QGIS writes the command line's map files.
Geometries are repaired and reprojected by QGIS (GEOS) as the command line does with
shapely; the Sozialräume are dissolved by QGIS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsProcessingException,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)

from .qgis_arrays import core_features, metric_crs, plain_value, polygonal

#: area fields QGIS types -> store kinds (as the command line stores the columns pandas
#: reads: a DATE field comes back as a timestamp there, so it is stored as DATETIME)
_KINDS = (("bool", "bool"), ("datetime", "datetime"), ("date", "datetime"),
          ("int", "int"), ("real", "float"), ("double", "float"), ("float", "float"),
          ("decimal", "float"), ("numeric", "float"))


def _define_messages() -> None:
    from geosozial.core.messages import define

    define("qgis.run_unreadable",
           de="{file}: QGIS kann die Gebietsdatei nicht öffnen ({error}).",
           en="{file}: QGIS cannot open the areas file ({error}).")
    define("qgis.run_no_png",
           de="Die PNG-Bilder der Karten (für Druck und Bericht) braucht matplotlib, das "
           "nicht zu QGIS gehört: geosozial report {project} --out {folder} auf der "
           "Kommandozeile ergänzt sie; die HTML-Karten hat QGIS geschrieben.",
           en="the PNG images of the maps (for print and report) need matplotlib, which "
           "is not part of QGIS: geosozial report {project} --out {folder} on the command "
           "line adds them; QGIS wrote the HTML maps.")
    define("qgis.run_no_postgis",
           de="Die PostGIS-Datenbank {url} ([database] url) schreibt nur die Kommandozeile "
           "(geosozial report {project} --out {folder}); QGIS schreibt die "
           "Sozialdatenbank als GeoPackage.",
           en="only the command line writes the PostGIS database {url} ([database] url) "
           "(geosozial report {project} --out {folder}); QGIS writes the store as a "
           "GeoPackage.")


@dataclass
class ProjectAreas:
    """The project's areas as QGIS read them: core columns, geometries, field kinds."""

    columns: object  # geosozial.core.run.AreaColumns
    geometries: list[QgsGeometry]
    crs: QgsCoordinateReferenceSystem
    #: area field -> store kind (text, int, float, bool, datetime)
    kinds: dict[str, str] = field(default_factory=dict)
    #: area field -> SQL values of the rows kept
    cells: dict[str, list] = field(default_factory=dict)
    #: the years of every ``WSK`` of the whole file (the BKG credit)
    wsk_years: list[int] = field(default_factory=list)
    #: the geometries' licence credit, as the command line finds it: the credit a
    #: geosozial GeoPackage stores, else the BKG credit with the year of the latest WSK
    credit: str = ""


def _kind(qgis_field) -> str:
    name = qgis_field.typeName().lower()
    for part, kind in _KINDS:
        if part in name:
            return kind
    if qgis_field.isNumeric():
        return "float"
    return "text"


def _sql_value(value, kind: str):
    """A plain attribute value as the command line stores it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "datetime":
        if hasattr(value, "hour"):
            return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
        if hasattr(value, "isoformat"):
            return value.isoformat() + "T00:00:00.000"
        return str(value)
    if kind == "bool":
        return int(bool(value))
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return value if isinstance(value, str) else str(value)


def _open(project) -> tuple[QgsVectorLayer, list]:
    """The areas layer of ``project`` and, when the file has several layers and the
    project names none, the notice that the first is used (as the command line)."""
    from geosozial.core.messages import GeosozialError, Notice

    path = project.root / project.areas
    if not path.exists():
        raise GeosozialError("geo.missing", file=str(path))
    uri = str(path) + (f"|layername={project.layer}" if project.layer else "")
    layer = QgsVectorLayer(uri, path.stem, "ogr")
    if not layer.isValid():
        raise GeosozialError("qgis.run_unreadable", file=str(path),
                             error=layer.error().summary() or "kein gültiger Layer")
    notices = []
    if not project.layer:
        names = [s.split("!!::!!")[1] for s in layer.dataProvider().subLayers()
                 if "!!::!!" in s]
        if len(names) > 1:
            notices.append(Notice("geo.first_layer", "warning", file=str(path),
                                  layer=names[0], others=", ".join(names[1:])))
    return layer, notices


def _attribute_fields(layer: QgsVectorLayer) -> list:
    """The fields of the file, not the row id OGR exposes as a field (a GeoPackage's
    ``fid`` or ``OBJECTID``): GDAL's readers on the command line leave it out too."""
    keys = set(layer.primaryKeyAttributes())
    return [f for i, f in enumerate(layer.fields()) if i not in keys]


def _extent(geometries: list[QgsGeometry]):
    """The extent of the geometries kept (the command line picks the UTM zone from them,
    after the GF and Kreis filters), None without any."""
    box = None
    for geom in geometries:
        if geom.isNull() or geom.isEmpty():
            continue
        if box is None:
            box = geom.boundingBox()
        else:
            box.combineExtentWith(geom.boundingBox())
    return box


def read_project_areas(project, feedback=None) -> ProjectAreas:
    """The areas of ``project`` read by QGIS, by the rules of the command line.

    Raises
    ------
    GeosozialError
        A missing or unreadable file, no key field, a key that cannot be repaired, a
        geometry that is no polygon, no CRS.
    """
    from geosozial.core.area_rows import area_rows
    from geosozial.core.columns import Columns, as_text
    from geosozial.core.gpkg_write import CREDIT_KEY, EDITION_KEY, read_dataset_metadata
    from geosozial.core.messages import GeosozialError, Notice
    from geosozial.core.run import AreaColumns
    from geosozial.maps.notes import geobasis_text

    _define_messages()
    layer, notices = _open(project)
    path = project.root / project.areas
    file = str(path)
    qgis_fields = _attribute_fields(layer)
    names = [f.name() for f in qgis_fields]
    features = []
    for feature in layer.getFeatures():
        if feedback is not None and feedback.isCanceled():
            raise QgsProcessingException("abgebrochen")
        features.append(feature)
    if not features:
        raise GeosozialError("geo.empty", file=file)
    raw = {n: [plain_value(f[n]) for f in features] for n in names}
    rows = area_rows(names, raw.__getitem__, project.key, file,
                     kreis=project.kreis or None)
    notices += rows.notices
    keys = rows.keys
    geometries, null, invalid = [], [], []
    for position, r in enumerate(rows.keep):
        geom = QgsGeometry(features[r].geometry())
        if geom.isNull() or geom.isEmpty():
            null.append(position)
            geometries.append(geom)
            continue
        polygon = QgsWkbTypes.geometryType(geom.wkbType()) == \
            QgsWkbTypes.GeometryType.PolygonGeometry
        valid = geom.isGeosValid()
        if not polygon and valid:
            raise GeosozialError("geo.not_polygon", file=file, row=position + 1,
                                 key=keys[position],
                                 geom_type=QgsWkbTypes.displayString(geom.wkbType()))
        if not valid:
            geom = polygonal(geom.makeValid())
            invalid.append(position)
        geometries.append(geom)
    if null:
        notices.append(Notice("geo.null_geometry", "warning", file=file, n=len(null),
                              keys=", ".join(keys[i] for i in null[:20])))
    if invalid:
        notices.append(Notice("geo.invalid_repaired", "repair", file=file, n=len(invalid),
                              keys=", ".join(keys[i] for i in invalid[:20])))
    crs = layer.crs()
    if not crs.isValid():
        raise GeosozialError("geo.no_crs", file=file)
    target = metric_crs(crs, _extent(geometries) or layer.extent())
    if target != crs:
        transform = QgsCoordinateTransform(crs, target, QgsProject.instance())
        for geom in geometries:
            if not geom.isEmpty():
                geom.transform(transform)
        notices.append(Notice("geo.reprojected", "repair", file=file, source=crs.authid(),
                              target=target.authid()))
    kinds = {f.name(): _kind(f) for f in qgis_fields if f.name() not in ("key", "name")}
    for name, kind in kinds.items():  # an integer field with NULLs is a float one there
        if kind == "int" and any(v is None for v in raw[name]):
            kinds[name] = "float"
    columns = Columns(n=len(keys))
    columns["key"] = keys
    columns["name"] = rows.names
    cells = {}
    for name, kind in kinds.items():
        kept = [raw[name][r] for r in rows.keep]
        cells[name] = [_sql_value(v, kind) for v in kept]
        if kind in ("int", "float"):
            columns[name] = np.array([math.nan if v is None else float(v) for v in kept])
        elif kind == "bool":
            columns[name] = ["" if v is None else str(bool(v)) for v in kept]
        else:
            columns[name] = [as_text(v) for v in kept]
    stored = read_dataset_metadata(path)
    edition = stored.get(EDITION_KEY) or rows.edition
    credit = stored.get(CREDIT_KEY) or geobasis_text(rows.wsk_years)
    areas = AreaColumns(columns, project.key, file, edition, notices)
    return ProjectAreas(areas, geometries, target, kinds, cells, rows.wsk_years, credit)


def _srs(crs: QgsCoordinateReferenceSystem):
    from geosozial.core.gpkg_write import Srs

    if not crs.isValid():
        return None
    epsg = crs.postgisSrid()
    definition = crs.toWkt()
    if crs.authid().upper().startswith("EPSG:") and epsg:
        return Srs(int(epsg), "EPSG", int(epsg), crs.description(), definition)
    return Srs(100000, "NONE", 100000, crs.description(), definition)


def _wkb(geometries: list[QgsGeometry]) -> tuple[list, np.ndarray]:
    """Multi-type WKB and bounds (NaN for empty) of each geometry."""
    wkb, bounds = [], np.full((len(geometries), 4), np.nan)
    for i, geom in enumerate(geometries):
        if geom is None or geom.isNull():
            wkb.append(None)
            continue
        multi = QgsGeometry(geom)
        if not multi.isEmpty():
            multi.convertToMultiType()
            box = multi.boundingBox()
            bounds[i] = (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum())
        wkb.append(bytes(multi.asWkb()))
    return wkb, bounds


def _column_kind(columns, name: str) -> str:
    if name in ("key", "name") or name.endswith("_flag"):
        return "text"
    return "float" if columns.is_numeric(name) else "text"


def _column_values(columns, name: str, kind: str) -> list:
    if kind == "float":
        return [None if v != v else float(v) for v in columns.numbers(name).tolist()]
    return list(columns.texts(name))


def municipal_rows(areas: ProjectAreas, year, shapes: tuple[list, np.ndarray]):
    """One year's municipalities as the command line's result layer ``gemeinden``: key,
    name, the file's fields (their own types), the joined variables, then what the
    aggregation added (indicators, ``sozialraum``, dynamics). ``shapes``: the WKB and
    bounds of the areas (:func:`_wkb`, the same every year)."""
    from geosozial.core.columns import value_columns
    from geosozial.core.store_write import LayerRows

    members = year.municipalities
    own = [c for c in areas.columns.columns.columns if c not in ("key", "name")]
    joined = [c for c in year.joined.columns if c not in areas.columns.columns.columns]
    changed = set(value_columns(members)) | {f"{c}_flag" for c in value_columns(members)}
    added = [c for c in members.columns if c not in ("key", "name") and c not in own
             and c not in joined]
    kinds: dict[str, str] = {"key": "text", "name": "text"}
    values: dict[str, list] = {"key": list(members.texts("key")),
                               "name": list(members.texts("name"))}
    for c in own:
        if c in changed:  # a field of the file that the aggregation replaced
            kinds[c] = _column_kind(members, c)
            values[c] = _column_values(members, c, kinds[c])
        else:
            kinds[c] = areas.kinds[c]
            values[c] = list(areas.cells[c])
    for c in joined + added:
        source = members if c in members else year.joined
        kinds[c] = _column_kind(source, c)
        values[c] = _column_values(source, c, kinds[c])
    return LayerRows(kinds, values, *shapes, "MULTIPOLYGON", _srs(areas.crs))


def region_geometries(areas: ProjectAreas, year) -> list[QgsGeometry]:
    """The Sozialräume of a year dissolved by QGIS from their municipalities."""
    group_of = np.asarray(year.result.group_of)
    geometries = []
    for j in range(len(year.sozialraeume)):
        parts = [areas.geometries[i] for i in np.flatnonzero(group_of == j)
                 if not areas.geometries[i].isEmpty()]
        geometries.append(QgsGeometry.unaryUnion(parts) if len(parts) > 1 else
                          QgsGeometry(parts[0]) if parts else QgsGeometry())
    return geometries


def region_rows(areas: ProjectAreas, year, shapes: tuple[list, np.ndarray]):
    """One year's Sozialräume as the command line's result layer ``sozialraeume``
    (``shapes``: WKB and bounds of :func:`region_geometries`)."""
    from geosozial.core.store_write import LayerRows

    regions = year.sozialraeume
    kinds = {c: _column_kind(regions, c) for c in regions.columns}
    values = {c: _column_values(regions, c, k) for c, k in kinds.items()}
    return LayerRows(kinds, values, *shapes, "MULTIPOLYGON", _srs(areas.crs))


def render_specs(specs, levels: dict, out: Path, lang: str, feedback=None) -> list[Path]:
    """Write the map files of ``specs`` (:mod:`geosozial.maps.project_maps`) with QGIS's
    polygons: the command line's map geometry (:func:`.alg_map.fit_page`, numpy only), so
    the files are the command line's byte for byte. ``levels`` maps
    ``gemeinden``/``sozialraeume`` to (geometries, CRS, keys, names). PNG maps are the
    command line's (matplotlib)."""
    from types import SimpleNamespace

    from geosozial.core.keys import kreis_outline_groups
    from geosozial.core.outputs import atomic_write_bytes
    from geosozial.maps.html import MapDocument, html_budget
    from geosozial.maps.notes import map_date

    from .alg_map import fit_page

    files = []
    for spec in specs:
        if feedback is not None and feedback.isCanceled():
            raise QgsProcessingException("abgebrochen")
        geometries, crs, keys, names = levels[spec.level]
        options = dict(spec.options)
        doc = MapDocument(title=spec.title, geojson='{"type":"FeatureCollection",'
                          '"features":[]}', names=list(names), keys=list(keys),
                          layers=list(spec.layers), attribution=options.get("attribution", ""),
                          source=options.get("source", ""),
                          method_note=options.get("method_note", ""), date=map_date(lang),
                          lang=lang)
        groups = spec.outline_groups if spec.outline_groups is not None else \
            kreis_outline_groups(list(keys))
        fitted = fit_page(doc, SimpleNamespace(geometries=geometries, crs=crs),
                          html_budget(len(keys)), feedback, groups)
        path = out / spec.file
        atomic_write_bytes(path, fitted.html.encode("utf-8"))
        files.append(path)
    return files


@dataclass
class QgisRun:
    """What a project run inside QGIS wrote and reported."""

    project: object
    files: list[Path]
    text: str
    notices: list = field(default_factory=list)
    #: what this door does not write (PNG maps, PostGIS), for the log on their own
    door_notices: list = field(default_factory=list)


def run_project_qgis(project_path, out, lang: str = "de", feedback=None) -> QgisRun:
    """Run a project file inside QGIS: result GeoPackages, join reports and the store.

    Every output is checked before the first is computed (none may be an input) and all
    are committed together at the end (:class:`geosozial.core.outputs.OutputSet`); an
    error leaves the previous outputs as they were. The HTML maps are those of the
    command line (:mod:`geosozial.maps.project_maps`) drawn on QGIS's geometry; the PNG
    maps are not written (a warning names the command that writes them).
    """
    from geosozial.core.gpkg_write import dataset_meta, write_geopackage_file
    from geosozial.core.messages import Notice
    from geosozial.core.outputs import OutputSet, atomic_write_text, check_outputs
    from geosozial.core.project import load_project, project_inputs
    from geosozial.core.run import (
        STORE_LEVELS,
        compute_years,
        dynamics_labels,
        report_texts,
        run_text,
        store_long,
        store_meta,
        year_metadata,
        year_notices,
    )
    from geosozial.core.store_write import changes_text, stack_rows, write_store_gpkg
    from geosozial.maps.project_maps import common_classes, run_outputs, series_maps, year_maps

    _define_messages()
    project = load_project(project_path)
    out = Path(out)
    stem = Path(project.source).parent.name or "projekt"
    planned = run_outputs(project, out, "FOLDER", png=False)
    notices = [Notice("qgis.run_no_png", "warning", project=str(project_path),
                      folder=str(out))]
    if project.database_url:
        notices.append(Notice("qgis.run_no_postgis", "warning", url=project.database_url,
                              project=str(project_path), folder=str(out)))
    files: list[Path] = []
    years_done = []
    stores = []
    with OutputSet(project_inputs(project)) as outputs:
        check_outputs(planned, outputs.inputs, place=False)
        outputs.folder("FOLDER", out)
        outputs.check(planned)
        areas = read_project_areas(project, feedback)
        if feedback is not None:
            feedback.setProgress(20)
        run = compute_years(project, areas.columns)
        layers: dict[str, dict[int, object]] = {"gemeinden": {}, "sozialraeume": {}}
        settings, group_of = project.maps, run.mapping.assignment
        features = core_features(areas.geometries)
        gem = {y: run.years[y].municipalities for y in project.years}
        sr = {y: run.years[y].sozialraeume for y in project.years}
        classes = (common_classes(project, gem, settings, lang),
                   common_classes(project, sr, settings, lang))
        # one Gebietsstand, one mapping: the polygons are those of every year
        first = run.years[project.years[0]]
        regions = region_geometries(areas, first)
        shapes = {"gemeinden": _wkb(areas.geometries), "sozialraeume": _wkb(regions)}
        levels = {"gemeinden": (areas.geometries, areas.crs,
                                areas.columns.columns.texts("key"),
                                areas.columns.columns.texts("name")),
                  "sozialraeume": (regions, areas.crs, first.sozialraeume.texts("key"),
                                   first.sozialraeume.texts("name"))}
        for year in project.years:
            done = run.years[year]
            layers["gemeinden"][year] = municipal_rows(areas, done, shapes["gemeinden"])
            layers["sozialraeume"][year] = region_rows(areas, done, shapes["sozialraeume"])
            gpkg = out / f"{stem}_{year}.gpkg"
            write_geopackage_file(gpkg, {n: layers[n][year] for n in layers}, dataset_meta(
                year_metadata(project, done), areas.credit, areas.columns.edition))
            year_list = year_notices(project, run, year)
            text, data = report_texts(done, year_list, lang)
            files += [gpkg,
                      atomic_write_text(out / f"verknuepfungsbericht_{year}.txt", text),
                      atomic_write_text(out / f"verknuepfungsbericht_{year}.json", data)]
            specs, map_notices = year_maps(project, gem[year], sr[year], features, group_of,
                                           year, settings, credit=areas.credit, lang=lang,
                                           classes=classes)
            files += render_specs(specs, levels, out, lang, feedback)
            years_done.append((year, done.reports, year_list + map_notices))
        if project.database:
            target = out / project.database_file
            changes = write_store_gpkg(
                target, store_long(project, run),
                {layer: stack_rows(layers[layer]) for _, _, layer in STORE_LEVELS if layer},
                years=project.years, meta=store_meta(project))
            stores.append((str(target), changes_text(str(target), changes, lang)))
            files.append(target)
        specs, series_notices = series_maps(project, gem, sr, features, group_of, settings,
                                            credit=areas.credit, lang=lang,
                                            dynamic_labels=dynamics_labels(run.dynamics))
        files += render_specs(specs, levels, out, lang, feedback)
    if years_done:
        years_done[-1] = (*years_done[-1][:2], [*years_done[-1][2], *series_notices])
    return QgisRun(project, files, run_text(project.name, years_done, stores, files, lang),
                   [n for _, _, year_list in years_done for n in year_list], notices)
