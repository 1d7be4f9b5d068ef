-- Monitoring and assistance: the policy table, a household's monitoring columns, identification and
-- elimination cases with their timelines, assistance measures, helper pairings and income checks.
-- Dates are ISO-8601 text; money is integer fen; booleans are 0/1 (as in 0001); codes are COLLATE "C".

-- Policy numbers keyed by (key, region, effective year); region '' is the national value.
CREATE TABLE policy_values (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    region TEXT COLLATE "C" NOT NULL DEFAULT '',
    year BIGINT NOT NULL,
    value BIGINT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (key, region, year)
);

-- The current monitoring of a household (set by approved cases). `risks` is a comma-separated list
-- of risk codes; `measure_due` is the date by which a measure must be implemented.
ALTER TABLE households ADD COLUMN identified_on TEXT;
ALTER TABLE households ADD COLUMN risks TEXT;
ALTER TABLE households ADD COLUMN risk_eliminated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE households ADD COLUMN eliminated_on TEXT;
ALTER TABLE households ADD COLUMN elimination_mode TEXT;
ALTER TABLE households ADD COLUMN measure_due TEXT;
CREATE INDEX households_kind_village ON households (kind, village_code, household_no);

-- A case is the domain `Case` (serde JSON in `data`) plus the columns lists filter on. The
-- household's village is copied into `village_code` so lists are scoped without a join.
CREATE TABLE cases (
    id BIGSERIAL PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    village_code TEXT COLLATE "C" NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    is_open BIGINT NOT NULL,
    clue_source TEXT NOT NULL,
    clue_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    category TEXT,
    notice_start TEXT,
    notice_end TEXT,
    closed_on TEXT,
    deadline TEXT,
    step_due TEXT,
    data TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One open case per household.
CREATE UNIQUE INDEX cases_one_open ON cases (household_id) WHERE is_open = 1;
CREATE INDEX cases_household ON cases (household_id, id);
CREATE INDEX cases_village_state ON cases (village_code, state);
CREATE INDEX cases_notice ON cases (notice_start);
CREATE INDEX cases_closed ON cases (closed_on);

-- The timeline: seq 0 is the clue (payload NULL), then one row per step (payload = domain `Action`).
CREATE TABLE case_events (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    action TEXT NOT NULL,
    action_date TEXT NOT NULL,
    payload TEXT,
    state_after TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

CREATE TABLE measures (
    id BIGSERIAL PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    responsible_unit TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    funds BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '',
    beneficiary TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX measures_household ON measures (household_id, start_date);

-- 结对帮扶: end_date NULL is the current pairing, at most one per household.
CREATE TABLE pairings (
    id BIGSERIAL PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX pairings_current ON pairings (household_id) WHERE end_date IS NULL;
CREATE INDEX pairings_user ON pairings (user_id, household_id);

-- Per-capita income found on a date: home visits of cases ('visit') and helpers' checks ('follow_up').
CREATE TABLE income_checks (
    id BIGSERIAL PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    check_date TEXT NOT NULL,
    per_capita BIGINT NOT NULL,
    source TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id) ON DELETE SET NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX income_checks_household ON income_checks (household_id, check_date);
