-- The 12-month medical sums, one row per window instead of one per person and window: a district's
-- year held 15 million rows (1.1 GB on PostgreSQL), and reading one window meant scanning them all
-- once uploads had scattered it. `data` is the window's persons in key order as
-- `person_key,eligible_fen,records` joined by `;` (the form a run parses anyway); a medical upload
-- rewrites the twelve windows its months fall in, in its transaction.
CREATE TABLE medical_windows (
    period BIGINT PRIMARY KEY,
    persons BIGINT NOT NULL,
    data TEXT NOT NULL
);

INSERT INTO medical_windows (period, persons, data)
SELECT w.period, COUNT(*),
       string_agg(CAST(w.person_key AS TEXT) || ',' || CAST(w.eligible AS TEXT) || ',' || CAST(w.records AS TEXT), ';'
                  ORDER BY w.person_key)
FROM medical_window w
GROUP BY w.period;

DROP TABLE medical_window;
