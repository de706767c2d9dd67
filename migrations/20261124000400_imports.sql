-- Spreadsheet imports (issue 9). An official uploads an XLSX or CSV file; the
-- parsed cells are kept here between the preview and the confirmation, so
-- that any instance can serve the next request (no in-process state). A
-- background task validates and evaluates the rows, advancing `done`; the
-- preview page polls it. Confirming turns every valid row into a draft in
-- one transaction and records `created`.
CREATE TABLE imports (
    id          BIGSERIAL PRIMARY KEY,
    -- The official who uploaded it: only they may see or confirm it.
    owner_id    BIGINT NOT NULL REFERENCES users (id),
    region_id   BIGINT NOT NULL REFERENCES regions (id),
    filename    TEXT NOT NULL CHECK (char_length(filename) <= 300),
    status      TEXT NOT NULL DEFAULT 'processing'
                    CHECK (status IN ('processing', 'ready', 'confirmed', 'failed')),
    -- The canonical field name of each column (as the hidden row names them).
    columns     JSONB NOT NULL,
    -- The data rows as read: [{"row": sheet row number, "cells": [text, …]}].
    cells       JSONB NOT NULL,
    -- Per row: the parsed draft or its errors, and the overall verdict.
    rows        JSONB,
    total       INTEGER NOT NULL CHECK (total >= 0),
    done        INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0),
    created     INTEGER,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX imports_owner_idx ON imports (owner_id, id DESC);
