-- What an evaluation's submission froze, as pages read it: its materials
-- and its boundary (with the neighbouring towns as they are now).
--
-- These were sub-queries of every statement that reads evaluations, the
-- report's among them. PostgreSQL builds every sub-plan of a statement
-- when it starts it, whether a row ever needs it or not, and these two
-- (eleven joins and scans between them) were most of the report
-- statement's cost (issue 19). A PL/pgSQL function keeps its query's plan
-- for the connection's life and starts it only when called, and the
-- statements call these only for an evaluation that froze something (an
-- EXISTS probe of one index: `db::evaluations`), so an evaluation that
-- froze nothing costs two index probes.

CREATE FUNCTION frozen_materials(evaluation BIGINT) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT COALESCE(json_agg(json_build_object(
                'id', m.id, 'proposal_id', m.proposal_id, 'material_type', m.material_type,
                'file_name', m.file_name, 'sha256', m.sha256, 'size', f.size, 'kind', f.kind,
                'uploaded_by_name', u.display_name, 'uploaded_at', m.uploaded_at,
                'retired_at', m.retired_at) ORDER BY m.material_type), '[]')
            FROM submitted_materials sm JOIN materials m ON m.id = sm.material_id
            JOIN material_files f ON f.sha256 = m.sha256 JOIN users u ON u.id = m.uploaded_by
            WHERE sm.evaluation_id = evaluation);
END
$$;

CREATE FUNCTION frozen_boundary(evaluation BIGINT) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('upload', json_build_object('id', b.id,
                'proposal_id', b.proposal_id, 'version', b.version, 'sha256', b.sha256, 'area_m2', b.area_m2,
                'polygons', b.polygons, 'vertices', b.vertices, 'source_format', b.source_format,
                'source_epsg', b.source_epsg, 'file_name', b.file_name, 'uploaded_by_name', u.display_name,
                'uploaded_at', b.uploaded_at, 'retired_at', b.retired_at),
                'geojson', b.geojson, 'facts', sb.facts, 'context', sb.context,
                'current', (SELECT COALESCE(json_agg(json_build_object('id', p.id, 'name', p.name,
                                'status', p.status)), '[]')
                            FROM proposals p WHERE p.id IN (SELECT (n ->> 'proposal_id')::bigint
                                FROM jsonb_array_elements(sb.context -> 'neighbours') n)))
            FROM submitted_boundaries sb JOIN boundaries b ON b.id = sb.boundary_id
            JOIN users u ON u.id = b.uploaded_by
            WHERE sb.evaluation_id = evaluation);
END
$$;
