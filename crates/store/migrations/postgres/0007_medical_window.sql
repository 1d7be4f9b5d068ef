-- The 12-month 合规自付 of each person, per window (SCREENING.md: medical_oop_12m sums the medical
-- records dated in the 12 months ending with the period). `period` is the window's last month as
-- year × 12 + month − 1; a medical upload adds each matched record to the twelve windows that hold
-- its month, so a run reads one row per person instead of every settlement of the year. Rows are
-- keyed by person: a run adds them to the household the person is in at the time of the run.
CREATE TABLE medical_window (
    period BIGINT NOT NULL,
    person_key BIGINT NOT NULL,
    eligible BIGINT NOT NULL,
    records BIGINT NOT NULL,
    PRIMARY KEY (period, person_key)
);

-- The windows of the records already uploaded.
INSERT INTO medical_window (period, person_key, eligible, records)
SELECT CAST(substr(r.record_date, 1, 4) AS BIGINT) * 12 + CAST(substr(r.record_date, 6, 2) AS BIGINT) - 1 + k.k,
       r.person_key, SUM(COALESCE(r.amount6, 0)), COUNT(*)
FROM feed_records r
CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5
            UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11) AS k
WHERE r.kind = 'medical' AND r.household_id IS NOT NULL AND r.person_key IS NOT NULL
GROUP BY 1, 2;
