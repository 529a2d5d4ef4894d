"""Boundaries and spatial computation: import of commune, QPV and perimeter
contours (GeoJSON, GeoPackage, zipped Shapefile; any CRS), flags computed by
point in polygon, distances in Lambert-93, commune aggregates and map data.

Geometries are kept in WGS84 (EPSG:4326) in the `boundaries` table as WKB;
distances are computed in Lambert-93 (EPSG:2154), the French metric projection.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from . import audit, fmt
from .db import Database
from .errors import RelogError
from .importer import backup
from .indicators import Scope
from .sources import MAX_BYTES, MAX_UPLOAD_MB, member_chunks, open_zip

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"
KINDS = {"communes": "communes", "qpv": "quartiers prioritaires (QPV)",
         "perimetre": "périmètre d'opération"}
CODE_COLUMNS = ("code", "insee", "code_insee", "insee_com", "code_qp", "code_qpv", "id",
                "code_operation")
NAME_COLUMNS = ("nom", "name", "libelle", "nom_qp", "nom_com", "lib_qp", "nom_commune")
DEMO_PERIMETER_METRES = 650
# A zipped Shapefile is extracted to disk: at most this much in all, counted as it
# is decompressed (its upload is at most sources.MAX_UPLOAD_MB).
GEO_MAX_EXTRACTED_MB = 512

_TO_L93 = Transformer.from_crs(WGS84, LAMBERT93, always_xy=True)
_TO_WGS = Transformer.from_crs(LAMBERT93, WGS84, always_xy=True)


# -- reading boundary files -------------------------------------------------------------------
def read_boundaries(name: str, data: bytes, kind: str):
    """A GeoDataFrame in WGS84 with columns code, name, geometry."""
    import geopandas as gpd

    if kind not in KINDS:
        raise RelogError(f"Type de contours inconnu « {kind} » (communes, qpv ou perimetre).")
    if len(data) > MAX_BYTES:
        raise RelogError(f"Le fichier {name} pèse {fmt.number(len(data) / 1024 / 1024, 1)} Mo : "
                         f"relog lit au plus {fmt.integer(MAX_UPLOAD_MB)} Mo par fichier.")
    suffix = Path(name).suffix.lower()
    # mkdtemp makes the folder for its owner only (0700); the files are 0600
    with tempfile.TemporaryDirectory(prefix="relog-contours-") as folder:
        os.chmod(folder, 0o700)
        path = Path(folder) / Path(name).name
        if suffix == ".zip":
            _extract(name, data, Path(folder))
            shapes = sorted(Path(folder).rglob("*.shp"))
            if not shapes:
                raise RelogError(f"L'archive {name} ne contient aucun fichier .shp (Shapefile).")
            path = shapes[0]
            if not path.with_suffix(".prj").exists() and not path.with_suffix(".PRJ").exists():
                raise RelogError(
                    f"Le Shapefile {path.name} n'a pas de fichier .prj : son système de "
                    "coordonnées est inconnu. Ajoutez le .prj à l'archive.")
        elif suffix in (".geojson", ".json", ".gpkg"):
            with _private_file(path) as out:
                out.write(data)
        else:
            raise RelogError(
                f"{name} : format non pris en charge (GeoJSON, GeoPackage ou Shapefile zippé).")
        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises several error types
            raise RelogError(f"Le fichier {name} est illisible comme fichier de contours "
                             f"({type(exc).__name__}).") from exc
    if frame.empty:
        raise RelogError(f"Le fichier {name} ne contient aucun contour.")
    if frame.crs is None:
        raise RelogError(
            f"Le fichier {name} n'indique pas son système de coordonnées : impossible de savoir "
            "s'il est en Lambert-93 ou en WGS84. Enregistrez-le avec sa projection.")
    types = set(frame.geometry.geom_type.dropna())
    if not types or not types <= {"Polygon", "MultiPolygon"}:
        raise RelogError(
            f"Le fichier {name} contient des géométries de type {', '.join(sorted(types)) or '?'} :"
            " des polygones (contours) sont attendus.")
    frame = frame.to_crs(WGS84)
    columns = {c.lower(): c for c in frame.columns}
    code_col = next((columns[c] for c in CODE_COLUMNS if c in columns), None)
    name_col = next((columns[c] for c in NAME_COLUMNS if c in columns), None)
    if code_col is None:
        raise RelogError(
            f"Le fichier {name} n'a pas de colonne de code (attendu l'une de : "
            + ", ".join(CODE_COLUMNS) + ").")
    out = frame[[code_col, "geometry"]].rename(columns={code_col: "code"})
    out["code"] = out["code"].astype(str)
    out["name"] = frame[name_col].astype(str) if name_col else out["code"]
    out["geometry"] = shapely.make_valid(out.geometry.values)
    return out


def _private_file(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600),
                     "wb")


def _extract(name: str, data: bytes, folder: Path) -> None:
    """Extract an archive into `folder`, its bytes counted as they are
    decompressed (whatever its headers declare): never more than
    GEO_MAX_EXTRACTED_MB on disk, nor a file outside `folder`."""
    try:
        archive = open_zip(name, data)
    except zipfile.BadZipFile as exc:
        raise RelogError(f"{name} n'est pas une archive .zip lisible.") from exc
    limit = GEO_MAX_EXTRACTED_MB * 1024 * 1024
    too_big = (f"Le contenu de l'archive {name} dépasse {fmt.integer(GEO_MAX_EXTRACTED_MB)} Mo "
               "une fois décompressé : relog n'en extrait pas davantage. Ne gardez dans "
               "l'archive que les fichiers du Shapefile (.shp, .shx, .dbf, .prj).")
    written = 0
    targets = set()
    for info in archive.infolist():
        raw = info.filename.replace("\\", "/")
        parts = [p for p in raw.split("/") if p not in ("", ".")]
        if (raw.startswith("/") or re.match(r"[A-Za-z]:", raw) or "\0" in raw
                or ".." in parts):
            raise RelogError(
                f"L'archive {name} contient un chemin dangereux (« {info.filename} ») : relog "
                "refuse les fichiers qui seraient placés hors du dossier de l'archive.")
        if info.is_dir() or not parts:
            continue
        target = folder.joinpath(*parts)
        if target in targets:
            continue  # the same name twice: the first one is kept
        targets.add(target)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _private_file(target) as out:
            for chunk in member_chunks(name, data, info, limit - written, too_big):
                out.write(chunk)
                written += len(chunk)


def store_boundaries(cur, frame, kind: str, source: str, operation: str | None = None) -> int:
    """Replace the boundaries of `kind` (of `operation` for a perimeter)."""
    geoms = np.asarray(frame.geometry.values)
    bounds = shapely.bounds(geoms)
    rows = pd.DataFrame({
        "kind": kind,
        "code": operation if kind == "perimetre" and operation else frame["code"].to_numpy(),
        "name": frame["name"].to_numpy(),
        "operation_code": operation if kind == "perimetre" else None,
        "source": source,
        "geometry": [shapely.to_wkb(g) for g in geoms],
        "min_lon": bounds[:, 0], "min_lat": bounds[:, 1],
        "max_lon": bounds[:, 2], "max_lat": bounds[:, 3],
    })
    if kind == "perimetre":
        if not operation:
            raise RelogError("Un périmètre se rattache à une opération : précisez --operation.")
        union = shapely.union_all(geoms)
        rows = rows.iloc[:1].assign(geometry=[shapely.to_wkb(union)])
        b = shapely.bounds(union)
        rows[["min_lon", "min_lat", "max_lon", "max_lat"]] = b
        cur.execute("DELETE FROM boundaries WHERE kind = 'perimetre' AND operation_code = $op",
                    {"op": operation})
    else:
        cur.execute("DELETE FROM boundaries WHERE kind = $kind", {"kind": kind})
    cur.register("incoming_boundaries", rows)
    try:
        cur.execute("INSERT INTO boundaries SELECT * FROM incoming_boundaries")
    finally:
        cur.unregister("incoming_boundaries")
    return len(rows)


def import_boundaries(db: Database, name: str, data: bytes, kind: str,
                      operation: str | None = None, actor: str | None = None) -> dict:
    """Read; back the database up (importer.backup: the boundaries of `kind` are
    replaced); store, recompute the flags and log it in the audit log as
    `actor` (default: the command line's user), in one transaction."""
    db.refuse_demo()
    frame = read_boundaries(name, data, kind)
    saved = backup(db)
    try:
        with db.writer() as cur:
            if operation is not None:
                known = cur.execute("SELECT count(*) FROM operations WHERE operation_code = $op",
                                    {"op": operation}).fetchall()[0][0]
                if not known:
                    raise RelogError(f"Opération inconnue : {operation}")
            n = store_boundaries(cur, frame, kind, name, operation)
            computed = refresh_computed(cur)
            detail = (f"contours {kind} : {fmt.integer(n)} objet{'s' if n > 1 else ''} "
                      f"depuis {name}" + (f" (opération {operation})" if operation else ""))
            audit.record(cur, "import", detail, login=actor or audit.cli_login())
    except BaseException:
        saved.unlink(missing_ok=True)  # nothing was replaced
        raise
    return {"boundaries": n, **computed, "backup": str(saved)}


# -- flags computed from the boundaries ---------------------------------------------------------
def _load(cur, kind: str) -> pd.DataFrame:
    frame = cur.execute("SELECT code, name, operation_code, geometry FROM boundaries "
                        "WHERE kind = $k", {"k": kind}).df()
    frame["geometry"] = shapely.from_wkb(frame["geometry"].map(bytes).to_numpy()) \
        if len(frame) else []
    return frame


def _containing(polygons: pd.DataFrame, points: np.ndarray) -> np.ndarray:
    """Index into `polygons` of a polygon covering each point (edge included), or -1."""
    result = np.full(len(points), -1)
    if len(polygons) == 0 or len(points) == 0:
        return result
    tree = shapely.STRtree(polygons["geometry"].to_numpy())
    pairs = tree.query(points, predicate="covered_by")
    # pairs[0]: point index, pairs[1]: polygon index; keep the first polygon found
    order = np.argsort(pairs[0], kind="stable")
    point_idx, poly_idx = pairs[0][order], pairs[1][order]
    first = np.unique(point_idx, return_index=True)[1]
    result[point_idx[first]] = poly_idx[first]
    return result


def refresh_computed(cur) -> dict:
    """Recompute on_site_computed, in_qpv_computed and insee_code_computed of
    every move with coordinates, from the boundaries loaded (NULL when the
    relevant boundaries are missing)."""
    moves = cur.execute(
        "SELECT m.household_id, m.move_date, CAST(m.nature AS VARCHAR) AS nature, m.latitude, "
        "m.longitude, b.operation_code FROM moves AS m JOIN households AS h "
        "ON h.household_id = m.household_id JOIN buildings AS b "
        "ON b.building_code = h.building_code "
        "WHERE m.latitude IS NOT NULL AND m.longitude IS NOT NULL").df()
    points = shapely.points(moves["longitude"].to_numpy(), moves["latitude"].to_numpy())
    qpv, perimeters, communes = _load(cur, "qpv"), _load(cur, "perimetre"), _load(cur, "communes")
    n = len(moves)
    in_qpv = pd.array([None] * n, dtype="boolean")
    on_site = pd.array([None] * n, dtype="boolean")
    insee = pd.array([None] * n, dtype="string")
    if len(qpv):
        in_qpv = pd.array(_containing(qpv, points) >= 0, dtype="boolean")
    if len(perimeters):
        by_op = dict(zip(perimeters["operation_code"], perimeters["geometry"]))
        for op, geom in by_op.items():
            mask = (moves["operation_code"] == op).to_numpy()
            if mask.any():
                on_site[mask] = shapely.covers(geom, points[mask])
    if len(communes):
        idx = _containing(communes, points)
        codes = communes["code"].to_numpy()
        insee = pd.array([codes[i] if i >= 0 else None for i in idx], dtype="string")
    frame = pd.DataFrame({"household_id": moves["household_id"], "move_date": moves["move_date"],
                          "nature": moves["nature"], "on_site_computed": on_site,
                          "in_qpv_computed": in_qpv, "insee_code_computed": insee})
    cur.execute("UPDATE moves SET on_site_computed = NULL, in_qpv_computed = NULL, "
                "insee_code_computed = NULL")
    cur.register("computed_flags", frame)
    try:
        cur.execute(
            "UPDATE moves SET on_site_computed = c.on_site_computed, "
            "in_qpv_computed = c.in_qpv_computed, insee_code_computed = c.insee_code_computed "
            "FROM computed_flags AS c WHERE moves.household_id = c.household_id "
            "AND moves.move_date = c.move_date AND CAST(moves.nature AS VARCHAR) = c.nature")
    finally:
        cur.unregister("computed_flags")
    return {"moves": n, "on_site_computed": int(pd.Series(on_site).notna().sum()),
            "in_qpv_computed": int(pd.Series(in_qpv).notna().sum())}


def demo_perimeters(operations: pd.DataFrame) -> pd.DataFrame:
    """An illustrative perimeter around each demo site: a disc of
    DEMO_PERIMETER_METRES in Lambert-93, labelled "périmètre indicatif"."""
    import geopandas as gpd

    x, y = _TO_L93.transform(operations["longitude"].to_numpy(),
                             operations["latitude"].to_numpy())
    discs = shapely.buffer(shapely.points(x, y), DEMO_PERIMETER_METRES)
    frame = gpd.GeoDataFrame({"code": operations["operation_code"].to_numpy(),
                              "name": ["Périmètre indicatif – " + n for n in operations["name"]]},
                             geometry=list(discs), crs=LAMBERT93).to_crs(WGS84)
    return frame


# -- distances and aggregates --------------------------------------------------------------------
def distance_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Straight-line distances in km, computed in Lambert-93."""
    x1, y1 = _TO_L93.transform(np.asarray(lon1, float), np.asarray(lat1, float))
    x2, y2 = _TO_L93.transform(np.asarray(lon2, float), np.asarray(lat2, float))
    return np.hypot(x2 - x1, y2 - y1) / 1000.0


def destinations(db: Database, scope: Scope, include_temporary: bool = False) -> pd.DataFrame:
    """Moves of the scope at scope.as_of (definitive ones, temporary ones too
    when asked) with origin and destination coordinates and the distance in km."""
    frame = db.query("map_moves", **scope.params(), include_temporary=include_temporary)
    ok = frame[["latitude", "longitude", "origin_latitude", "origin_longitude"]].notna().all(axis=1)
    frame["distance_km"] = np.nan
    if ok.any():
        frame.loc[ok, "distance_km"] = distance_km(
            frame.loc[ok, "origin_longitude"], frame.loc[ok, "origin_latitude"],
            frame.loc[ok, "longitude"], frame.loc[ok, "latitude"])
    return frame


def distance_summary(moves: pd.DataFrame) -> dict:
    d = moves.loc[moves["nature"] == "définitif", "distance_km"].dropna()
    n = len(d)
    if n == 0:
        return {"n": 0, "median": None, "within_1": None, "within_5": None, "within_10": None}
    return {"n": n, "median": float(d.median()),
            "within_1": float((d <= 1).mean()), "within_5": float((d <= 5).mean()),
            "within_10": float((d <= 10).mean())}


def commune_aggregates(db: Database, scope: Scope) -> pd.DataFrame:
    """Per destination commune of the definitive moves: households, share,
    inside / outside QPV / unknown, centre (boundary centroid when communes are
    loaded, else the mean of the destinations)."""
    frame = db.query("commune_aggregates", **scope.params())
    communes = db.query("boundary_geometries", kind="communes")
    if len(communes):
        geoms = shapely.from_wkb(communes["geometry"].map(bytes).to_numpy())
        centres = shapely.point_on_surface(geoms)
        lookup = dict(zip(communes["code"], zip(shapely.get_y(centres), shapely.get_x(centres))))
        has = frame["insee_code"].isin(lookup.keys())
        frame.loc[has, "centre_lat"] = [lookup[c][0] for c in frame.loc[has, "insee_code"]]
        frame.loc[has, "centre_lon"] = [lookup[c][1] for c in frame.loc[has, "insee_code"]]
    return frame


def boundaries(db: Database, kind: str) -> pd.DataFrame:
    frame = db.query("boundary_geometries", kind=kind)
    frame["geometry"] = shapely.from_wkb(frame["geometry"].map(bytes).to_numpy()) \
        if len(frame) else []
    return frame


# Data text for a tooltip or a popup: fmt.html_text (kept here under its old name).
escape = fmt.html_text
