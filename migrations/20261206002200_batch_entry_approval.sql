-- A published town is frozen with the evaluation *and the review* that
-- approved it: the entry names that review beside its evaluation. Before,
-- publication took the proposal's latest evaluation, so a re-evaluation
-- after the approval put on the public record an evaluation nobody had
-- approved, without the approval's overrides.
ALTER TABLE batch_entries ADD COLUMN review_id BIGINT REFERENCES reviews (id);

-- An approval records the evaluation it was given on (a submitted proposal
-- always has one). Older rows are left as they are (NOT VALID); publication
-- reads such an approval with the proposal's latest evaluation, as before.
ALTER TABLE reviews ADD CONSTRAINT reviews_approval_names_its_evaluation
    CHECK (decision <> 'approve' OR evaluation_id IS NOT NULL) NOT VALID;
