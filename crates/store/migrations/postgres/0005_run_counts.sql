-- Each run's hits by village and rule (the run history shows them; warnings alone cannot, since a
-- hit on an open warning adds evidence instead of a row).
CREATE TABLE screening_run_counts (
    run_id BIGINT NOT NULL REFERENCES screening_runs(id) ON DELETE CASCADE,
    village_code TEXT COLLATE "C" NOT NULL,
    rule_id TEXT COLLATE "C" NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (run_id, village_code, rule_id)
);
