-- Boundaries (四至范围, DESIGN.md "Boundaries"): a proposal's polygon,
-- stored as GeoJSON in longitude/latitude, versioned and frozen at
-- submission like the materials; the control-line layers an admin uploads,
-- versioned and hashed; and the spatial results kept by boundary hash and
-- layer version.

-- One upload of a proposal's boundary. Replacing or removing it retires the
-- row (a submission may have frozen it); the current boundary is the one not
-- retired. `version` counts the proposal's uploads: 1, 2, …
CREATE TABLE boundaries (
    id            BIGSERIAL PRIMARY KEY,
    proposal_id   BIGINT NOT NULL REFERENCES proposals (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    -- The canonical GeoJSON MultiPolygon (7 decimals of a degree).
    geojson       TEXT NOT NULL CHECK (char_length(geojson) BETWEEN 30 AND 16777216),
    sha256        TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- Geodesic on the WGS-84 ellipsoid.
    area_m2       DOUBLE PRECISION NOT NULL CHECK (area_m2 > 0),
    polygons      INTEGER NOT NULL CHECK (polygons >= 1),
    vertices      INTEGER NOT NULL CHECK (vertices >= 4),
    min_lon       DOUBLE PRECISION NOT NULL,
    min_lat       DOUBLE PRECISION NOT NULL,
    max_lon       DOUBLE PRECISION NOT NULL,
    max_lat       DOUBLE PRECISION NOT NULL,
    source_format TEXT NOT NULL CHECK (source_format IN ('geojson', 'kml', 'shapefile')),
    -- The coordinate system the file was in (EPSG code).
    source_epsg   INTEGER NOT NULL,
    file_name     TEXT NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 200),
    uploaded_by   BIGINT NOT NULL REFERENCES users (id),
    uploaded_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at    TIMESTAMPTZ,
    retired_by    BIGINT REFERENCES users (id),
    CHECK ((retired_at IS NULL) = (retired_by IS NULL)),
    CHECK (min_lon <= max_lon AND min_lat <= max_lat),
    UNIQUE (proposal_id, version)
);
CREATE UNIQUE INDEX boundaries_current ON boundaries (proposal_id) WHERE retired_at IS NULL;
-- Other towns near a boundary are found by their boxes.
CREATE INDEX boundaries_current_box ON boundaries (min_lon, max_lon) WHERE retired_at IS NULL;

CREATE FUNCTION boundaries_only_retire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.retired_at IS NOT NULL
       OR (NEW.proposal_id, NEW.version, NEW.geojson, NEW.sha256, NEW.area_m2, NEW.uploaded_by, NEW.uploaded_at)
          IS DISTINCT FROM (OLD.proposal_id, OLD.version, OLD.geojson, OLD.sha256, OLD.area_m2, OLD.uploaded_by, OLD.uploaded_at)
    THEN
        RAISE EXCEPTION 'boundaries rows are immutable but for their retirement' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER boundaries_immutable BEFORE UPDATE OR DELETE ON boundaries
    FOR EACH ROW EXECUTE FUNCTION boundaries_only_retire();

-- Control-line layers (生态保护红线, 永久基本农田, 城镇开发边界). One layer of
-- each kind is in force (not retired); a new upload of a kind is its next
-- version and retires the one before. `sha256` is over the parcels'
-- canonical GeoJSON, one per line.
CREATE TABLE control_layers (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('ecological_red_line', 'permanent_basic_farmland', 'urban_development_boundary')),
    version       INTEGER NOT NULL CHECK (version >= 1),
    name          TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    sha256        TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    parcels       INTEGER NOT NULL CHECK (parcels >= 1),
    vertices      BIGINT NOT NULL CHECK (vertices >= 4),
    source_format TEXT NOT NULL CHECK (source_format IN ('geojson', 'kml', 'shapefile')),
    file_name     TEXT NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 200),
    uploaded_by   BIGINT NOT NULL REFERENCES users (id),
    uploaded_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at    TIMESTAMPTZ,
    retired_by    BIGINT REFERENCES users (id),
    CHECK ((retired_at IS NULL) = (retired_by IS NULL)),
    UNIQUE (kind, version)
);
CREATE UNIQUE INDEX control_layers_in_force ON control_layers (kind) WHERE retired_at IS NULL;

CREATE FUNCTION control_layers_only_retire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.retired_at IS NOT NULL
       OR (NEW.kind, NEW.version, NEW.name, NEW.sha256, NEW.parcels, NEW.uploaded_by, NEW.uploaded_at)
          IS DISTINCT FROM (OLD.kind, OLD.version, OLD.name, OLD.sha256, OLD.parcels, OLD.uploaded_by, OLD.uploaded_at)
    THEN
        RAISE EXCEPTION 'control_layers rows are immutable but for their retirement' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER control_layers_immutable BEFORE UPDATE OR DELETE ON control_layers
    FOR EACH ROW EXECUTE FUNCTION control_layers_only_retire();

-- A layer's parcels, each a GeoJSON Polygon's coordinates with its box;
-- written with the layer and never changed.
CREATE TABLE control_parcels (
    layer_id    BIGINT NOT NULL REFERENCES control_layers (id),
    seq         INTEGER NOT NULL CHECK (seq >= 0),
    coordinates TEXT NOT NULL,
    min_lon     DOUBLE PRECISION NOT NULL,
    min_lat     DOUBLE PRECISION NOT NULL,
    max_lon     DOUBLE PRECISION NOT NULL,
    max_lat     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (layer_id, seq)
);
CREATE TRIGGER control_parcels_immutable BEFORE UPDATE OR DELETE ON control_parcels
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- How a boundary (by hash) meets a layer version: computed once, so that
-- re-evaluations and the what-if do not compute it again.
CREATE TABLE boundary_layer_results (
    boundary_sha256 TEXT NOT NULL CHECK (boundary_sha256 ~ '^[0-9a-f]{64}$'),
    layer_id        BIGINT NOT NULL REFERENCES control_layers (id),
    inside_m2       DOUBLE PRECISION NOT NULL CHECK (inside_m2 >= 0),
    outside_m2      DOUBLE PRECISION NOT NULL CHECK (outside_m2 >= 0),
    parcels         INTEGER NOT NULL CHECK (parcels >= 0),
    -- The parcels met, as a GeoJSON MultiPolygon, for the maps.
    met         TEXT NOT NULL,
    PRIMARY KEY (boundary_sha256, layer_id)
);
CREATE TRIGGER boundary_layer_results_immutable BEFORE UPDATE OR DELETE ON boundary_layer_results
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The boundary a submission (an evaluation) was made with, and what was
-- found then: `facts` as the engine read them, `context` what the map of
-- the report draws (the neighbouring towns, the parcels met). A record.
CREATE TABLE submitted_boundaries (
    evaluation_id BIGINT PRIMARY KEY REFERENCES evaluations (id),
    boundary_id   BIGINT NOT NULL REFERENCES boundaries (id),
    facts         JSONB NOT NULL,
    context       JSONB NOT NULL
);
CREATE TRIGGER submitted_boundaries_immutable BEFORE UPDATE OR DELETE ON submitted_boundaries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['boundaries', 'control_layers', 'control_parcels', 'boundary_layer_results', 'submitted_boundaries']
    LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON %I
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t);
        EXECUTE format(
            'CREATE TRIGGER data_truncated AFTER TRUNCATE ON %I
                 FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t);
    END LOOP;
END;
$$;
