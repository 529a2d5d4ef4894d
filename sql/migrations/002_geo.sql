-- Schema version 2: boundaries (communes, priority neighbourhoods, operation
-- perimeters) and the flags computed from them.
--
-- Geometries are stored as WKB in WGS84 (EPSG:4326) with their bounding box;
-- spatial tests run in relog_data/geo.py (shapely), so no DuckDB extension
-- has to be downloaded.

CREATE TABLE boundaries (
    kind           VARCHAR NOT NULL CHECK (kind IN ('communes', 'qpv', 'perimetre')),
    code           VARCHAR NOT NULL,
    name           VARCHAR,
    operation_code VARCHAR REFERENCES operations (operation_code),
    source         VARCHAR,
    geometry       BLOB NOT NULL,
    min_lon        DOUBLE,
    min_lat        DOUBLE,
    max_lon        DOUBLE,
    max_lat        DOUBLE,
    PRIMARY KEY (kind, code)
);

-- Values computed from the boundaries where the data leaves them empty; the
-- values given in the data always win (see definitive_moves in sql/macros.sql).
ALTER TABLE moves ADD COLUMN on_site_computed BOOLEAN;
ALTER TABLE moves ADD COLUMN in_qpv_computed BOOLEAN;
ALTER TABLE moves ADD COLUMN insee_code_computed VARCHAR;
