-- The registry: divisions, users and sessions, households, members, income years, audit.
-- Dates and times are ISO-8601 text (UTC, sortable); money is integer fen; booleans are 0/1 (shared
-- with the SQLite schema so one set of queries serves both). Codes are COLLATE "C" for prefix scans.

CREATE TABLE divisions (
    code TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT COLLATE "C" REFERENCES divisions(code),
    is_demo_code BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    division_code TEXT COLLATE "C" NOT NULL REFERENCES divisions(code),
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE login_attempts (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    at TEXT NOT NULL,
    success BIGINT NOT NULL
);
CREATE INDEX login_attempts_user_at ON login_attempts (username, at);

CREATE TABLE sessions (
    id TEXT COLLATE "C" PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE households (
    id BIGSERIAL PRIMARY KEY,
    household_no TEXT COLLATE "C" NOT NULL UNIQUE,
    village_code TEXT COLLATE "C" NOT NULL REFERENCES divisions(code),
    group_no BIGINT,
    kind TEXT NOT NULL,
    monitoring_category TEXT,
    phone TEXT,
    house_safe BIGINT,
    water_safe BIGINT,
    farmland_centimu BIGINT,
    size BIGINT NOT NULL DEFAULT 0,
    head_name TEXT,
    head_id_number TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX households_village ON households (village_code, household_no);

CREATE TABLE members (
    id BIGSERIAL PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    id_base TEXT COLLATE "C" NOT NULL UNIQUE,
    relation TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    ethnicity TEXT,
    education TEXT,
    schooling TEXT,
    health TEXT,
    disability_grade TEXT,
    labour TEXT,
    work_months BIGINT,
    medical_insured BIGINT,
    pension_insured BIGINT,
    dibao BIGINT,
    tekun BIGINT,
    phone TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX members_household ON members (household_id, position);
CREATE INDEX members_name ON members (name);

CREATE TABLE incomes (
    id BIGSERIAL PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    year BIGINT NOT NULL,
    wage_income BIGINT NOT NULL,
    business_income BIGINT NOT NULL,
    property_income BIGINT NOT NULL,
    transfer_income BIGINT NOT NULL,
    business_expense BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (household_id, year)
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    household_no TEXT COLLATE "C",
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_household ON audit_log (household_no, id);
