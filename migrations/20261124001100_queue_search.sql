-- A name search in the submitted tab (where reviewers search) read the whole
-- name index's matches and ANDed them with the 40,000 entries of the status
-- index, at 100,000 proposals; an index of the submitted proposals' names
-- alone answers it directly (≈ 9 → 3 ms for a two-character search).
CREATE INDEX proposals_submitted_name_grams_idx ON proposals USING gin (name_grams(name))
    WHERE status = 'submitted';
