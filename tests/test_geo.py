"""Boundaries, point in polygon, distances, map HTML: escaping and size."""

import shutil
import subprocess
import sys
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, Polygon

from relog_data import geo, maps
from relog_data.errors import RelogError
from relog_data.indicators import Scope, kpis
from tests.conftest import ROOT

# A square around the fixture's destination (45.74 N, 4.91 E), about 1.5 km wide.
SQUARE = Polygon([(4.90, 45.73), (4.92, 45.73), (4.92, 45.75), (4.90, 45.75)])


@pytest.fixture()
def db(writable_small_db):
    return writable_small_db


def geojson(polygons, codes, names=None, crs=None) -> bytes:
    frame = gpd.GeoDataFrame({"code": codes, "nom": names or codes}, geometry=polygons,
                             crs=crs or "EPSG:4326")
    return frame.to_json().encode()


def set_move(db, household, lat, lon, on_site=None, in_qpv=None, address=None):
    with db.writer() as cur:
        cur.execute("UPDATE moves SET latitude = $lat, longitude = $lon, on_site = $on, "
                    "in_qpv = $q, address = coalesce($a, address) WHERE household_id = $h "
                    "AND nature = 'définitif'",
                    {"lat": lat, "lon": lon, "on": on_site, "q": in_qpv, "a": address,
                     "h": household})


def computed(db, household):
    row = db.query_text("SELECT on_site_computed, in_qpv_computed, insee_code_computed "
                        "FROM moves WHERE household_id = $h AND nature = 'définitif' "
                        "ORDER BY move_date DESC LIMIT 1", h=household).iloc[0]
    return (None if pd.isna(row.iloc[0]) else bool(row.iloc[0]),
            None if pd.isna(row.iloc[1]) else bool(row.iloc[1]),
            None if pd.isna(row.iloc[2]) else row.iloc[2])


def test_point_in_out_and_on_the_edge(db):
    set_move(db, "H1", 45.74, 4.91)  # inside
    set_move(db, "H2", 45.80, 4.95)  # outside
    set_move(db, "H9", 45.74, 4.92)  # on the eastern edge
    result = geo.import_boundaries(db, "qpv.geojson", geojson([SQUARE], ["QP069001"]), "qpv")
    assert result["boundaries"] == 1
    assert computed(db, "H1")[1] is True
    assert computed(db, "H2")[1] is False
    assert computed(db, "H9")[1] is True  # the edge belongs to the polygon


def test_lambert93_input_is_reprojected(db, tmp_path):
    square_l93 = gpd.GeoSeries([SQUARE], crs="EPSG:4326").to_crs("EPSG:2154")
    path = tmp_path / "perimetre.gpkg"
    gpd.GeoDataFrame({"code": ["P"], "nom": ["Périmètre"]}, geometry=square_l93,
                     crs="EPSG:2154").to_file(path)
    set_move(db, "H1", 45.74, 4.91)
    set_move(db, "H2", 45.80, 4.95)
    geo.import_boundaries(db, path.name, path.read_bytes(), "perimetre", "OPA")
    stored = db.query("boundary_geometries", kind="perimetre").iloc[0]
    assert stored["min_lon"] == pytest.approx(4.90, abs=1e-6)
    assert stored["max_lat"] == pytest.approx(45.75, abs=1e-6)
    assert computed(db, "H1")[0] is True
    assert computed(db, "H2")[0] is False


def test_values_given_win_over_computed_ones(db):
    # H1 is inside the perimeter but the data says "hors site": the data wins
    set_move(db, "H1", 45.74, 4.91, on_site=False)
    set_move(db, "H2", 45.74, 4.91, on_site=None)
    geo.import_boundaries(db, "p.geojson", geojson([SQUARE], ["P"]), "perimetre", "OPA")
    assert computed(db, "H1")[0] is True and computed(db, "H2")[0] is True
    moves = db.query_text("SELECT household_id, on_site FROM definitive_moves(NULL) "
                          "WHERE household_id IN ('H1', 'H2') ORDER BY 1")
    assert moves["on_site"].tolist() == [False, True]
    row = kpis(db, Scope(operations=("OPA",))).query("is_total").iloc[0]
    # OPA rehoused: H1 off site (given), H2 on site (computed), H3 on site (left empty in
    # the data, computed from its coordinates, 45.74 N 4.91 E, inside the square)
    assert (row["offsite_share_num"], row["offsite_share_den"]) == (1, 3)


def test_commune_code_filled_from_coordinates(db):
    set_move(db, "H8", 45.74, 4.91)
    geo.import_boundaries(db, "communes.geojson", geojson([SQUARE], ["69029"], ["Bron"]),
                          "communes")
    assert computed(db, "H8")[2] == "69029"


def test_distance_within_one_percent():
    # Lyon, place Bellecour -> Paris, Notre-Dame: geodesic distance as reference
    lon1, lat1, lon2, lat2 = 4.8320, 45.7578, 2.3499, 48.8530
    reference = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2] / 1000
    got = float(geo.distance_km(lon1, lat1, lon2, lat2))
    assert abs(got - reference) / reference < 0.01
    assert 385 < got < 400


@pytest.mark.parametrize("name,data,words", [
    ("x.geojson", b"not json at all", "illisible"),
    ("points.geojson", None, "polygones"),
    ("x.txt", b"abc", "format non pris en charge"),
])
def test_bad_boundary_files(db, name, data, words):
    if data is None:
        data = gpd.GeoDataFrame({"code": ["a"]}, geometry=[Point(4.9, 45.7)],
                                crs="EPSG:4326").to_json().encode()
    with pytest.raises(RelogError, match=words):
        geo.import_boundaries(db, name, data, "qpv")


def test_shapefile_without_projection_is_refused(db, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"code": ["a"]}, geometry=[SQUARE], crs="EPSG:4326").to_file(
        folder / "qpv.shp")
    (folder / "qpv.prj").unlink()
    archive = tmp_path / "qpv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)
    with pytest.raises(RelogError, match="système de coordonnées est inconnu"):
        geo.import_boundaries(db, archive.name, archive.read_bytes(), "qpv")
    # with its .prj, the same archive is read
    gpd.GeoDataFrame({"code": ["a"]}, geometry=[SQUARE], crs="EPSG:4326").to_file(
        folder / "qpv.shp")
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)
    assert geo.import_boundaries(db, archive.name, archive.read_bytes(), "qpv")["boundaries"] == 1


def test_map_escapes_data_text(db):
    set_move(db, "H1", 45.74, 4.91, address="<img src=x onerror=alert(1)>")
    moves = geo.destinations(db, Scope())
    origins = pd.DataFrame({"name": ["<b>Bât</b>"], "latitude": [45.78], "longitude": [4.93]})
    fmap, mode = maps.point_map(moves, origins, pd.DataFrame(), pd.DataFrame())
    page = fmap.get_root().render()
    assert mode == "points"
    assert "<img src=x onerror=alert(1)>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page or "\\u0026lt;img" in page
    assert "<b>Bât</b>" not in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert maps.LEAFLET_JS in [src for _, src in fmap.default_js]


def synthetic_moves(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "household_id": [f"M{i:06d}" for i in range(n)], "nature": "définitif",
        "move_date": pd.Timestamp("2009-01-01"), "commune": "Lyon", "insee_code": "69123",
        "latitude": 45.75 + rng.normal(0, 0.12, n), "longitude": 4.85 + rng.normal(0, 0.17, n),
        "landlord": "Bailleur", "housing_type": "social", "typology": "T3",
        "address": "1 rue", "on_site": rng.random(n) < 0.2, "in_qpv": False,
        "operation_code": "OP", "building_code": "B",
        "origin_name": "Bât", "origin_latitude": 45.78, "origin_longitude": 4.93,
        "distance_km": 3.0})


@pytest.mark.parametrize("n", [650, 15_000, 150_000])
def test_map_payload_stays_under_1_5_mb(n):
    moves = synthetic_moves(n)
    origins = pd.DataFrame({"name": ["Bât"], "latitude": [45.78], "longitude": [4.93]})
    fmap, mode = maps.point_map(moves, origins, pd.DataFrame(), pd.DataFrame())
    size = maps.payload_bytes(fmap)
    assert size < 1.5 * 1024 * 1024, size
    assert mode == ("points" if n <= maps.MAX_POINTS else "grille")


def test_demo_has_indicative_perimeters(demo_db):
    perimeters = geo.boundaries(demo_db, "perimetre")
    assert len(perimeters) == 5
    assert perimeters["name"].str.startswith("Périmètre indicatif").all()
    vaulx = perimeters.set_index("code").loc["VAULX-MDT", "geometry"]
    assert vaulx.contains(Point(4.9335, 45.7862))


def test_cli_geo_import(small_db_path, tmp_path):
    path = tmp_path / "c.duckdb"
    shutil.copy(small_db_path, path)
    qpv = tmp_path / "qpv.geojson"
    qpv.write_bytes(geojson([SQUARE], ["QP1"]))
    run = subprocess.run([sys.executable, "-m", "relog_data", "geo", "import", str(qpv),
                          "--kind", "qpv", "--db", str(path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "1 contour(s)" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "relog_data", "geo", "import", str(qpv),
                          "--kind", "perimetre", "--db", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--operation" in bad.stderr
