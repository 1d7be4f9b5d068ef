-- Each run's hits by village and rule (the run history shows them; warnings alone cannot, since a
-- hit on an open warning adds evidence instead of a row).
CREATE TABLE screening_run_counts (
    run_id INTEGER NOT NULL REFERENCES screening_runs(id) ON DELETE CASCADE,
    village_code TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (run_id, village_code, rule_id)
);
