-- Department feeds and screening: uploaded files and their records (typed columns, so an integrated
-- run loads millions of medical rows quickly), the rule set, runs and the warnings they raise.
-- Dates are ISO-8601 text; money is integer fen; booleans are 0/1 (as in 0001).

-- One accepted file. `scope_code` is the uploader's division: records were matched inside it.
CREATE TABLE feed_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    scope_code TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_matched INTEGER NOT NULL,
    rows_unmatched INTEGER NOT NULL,
    rows_malformed INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    UNIQUE (kind, period, content_hash)
);

-- One record of a file. Whom it is about: `person_key` (screening::id_key of the 18-character ID)
-- for people and for households named by a member's ID, `household_no` for households named by
-- 户编号, `subject` only for a person text that is no resident ID. `household_id` is the matched
-- household (NULL: 未匹配). The value columns by kind:
--   medical     code1 visit_type; amount1..6 total, basic_paid, critical_paid, assistance_paid,
--               out_of_pocket, eligible_out_of_pocket
--   disability  text1 category; grade; code1 change
--   education   code1 stage; code2 status; amount1 fees
--   housing     code1 rating
--   police      code1 event; text1 cause
--   civil       code1 program; amount1 amount
--   disaster    code1 hazard; amount1 loss
--   employment  code1 status; amount1 wage
--   water       number days
CREATE TABLE feed_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    upload_id INTEGER NOT NULL REFERENCES feed_uploads(id) ON DELETE CASCADE,
    row_no INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record_date TEXT NOT NULL,
    household_id INTEGER REFERENCES households(id) ON DELETE SET NULL,
    person_key INTEGER,
    household_no TEXT,
    subject TEXT,
    code1 TEXT,
    code2 TEXT,
    amount1 INTEGER,
    amount2 INTEGER,
    amount3 INTEGER,
    amount4 INTEGER,
    amount5 INTEGER,
    amount6 INTEGER,
    number INTEGER,
    text1 TEXT,
    grade TEXT
);
CREATE INDEX feed_records_household ON feed_records (household_id, record_date);
CREATE INDEX feed_records_date ON feed_records (record_date);
CREATE INDEX feed_records_unmatched ON feed_records (upload_id) WHERE household_id IS NULL;

-- The rule set: the shipped defaults (is_default = 1, seeded when missing) and admins' rules.
CREATE TABLE screening_rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    risk_type TEXT NOT NULL,
    expression TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    is_default INTEGER NOT NULL DEFAULT 0,
    region TEXT NOT NULL DEFAULT '',
    year INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A recorded run: its period, the parameters used (`name=value` lines) and what it did.
CREATE TABLE screening_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period TEXT NOT NULL,
    scope_code TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    params TEXT NOT NULL,
    hits INTEGER NOT NULL,
    new_count INTEGER NOT NULL,
    monitored_count INTEGER NOT NULL,
    updated_count INTEGER NOT NULL
);

-- One warning per (household, rule) while open ('new' or 'monitored'); evidence lines newest first.
-- The household's village is copied into `village_code` so lists are scoped without a join.
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    village_code TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    risk_type TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    first_period TEXT NOT NULL,
    last_period TEXT NOT NULL,
    first_run_id INTEGER NOT NULL REFERENCES screening_runs(id),
    last_run_id INTEGER NOT NULL REFERENCES screening_runs(id),
    dismiss_reason TEXT,
    case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX warnings_one_open ON warnings (household_id, rule_id) WHERE status IN ('new', 'monitored');
CREATE INDEX warnings_village_status ON warnings (village_code, status);
CREATE INDEX warnings_household ON warnings (household_id, id);
