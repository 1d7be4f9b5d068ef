-- The registry: divisions, users and sessions, households, members, income years, audit.
-- Dates and times are ISO-8601 text (UTC); money is integer fen; booleans are 0/1.

CREATE TABLE divisions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT REFERENCES divisions(code),
    is_demo_code INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    division_code TEXT NOT NULL REFERENCES divisions(code),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    at TEXT NOT NULL,
    success INTEGER NOT NULL
);
CREATE INDEX login_attempts_user_at ON login_attempts (username, at);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE households (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_no TEXT NOT NULL UNIQUE,
    village_code TEXT NOT NULL REFERENCES divisions(code),
    group_no INTEGER,
    kind TEXT NOT NULL,
    monitoring_category TEXT,
    phone TEXT,
    house_safe INTEGER,
    water_safe INTEGER,
    farmland_centimu INTEGER,
    size INTEGER NOT NULL DEFAULT 0,
    head_name TEXT,
    head_id_number TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX households_village ON households (village_code, household_no);

CREATE TABLE members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    id_base TEXT NOT NULL UNIQUE,
    relation TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    ethnicity TEXT,
    education TEXT,
    schooling TEXT,
    health TEXT,
    disability_grade TEXT,
    labour TEXT,
    work_months INTEGER,
    medical_insured INTEGER,
    pension_insured INTEGER,
    dibao INTEGER,
    tekun INTEGER,
    phone TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX members_household ON members (household_id, position);
CREATE INDEX members_name ON members (name);

CREATE TABLE incomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    wage_income INTEGER NOT NULL,
    business_income INTEGER NOT NULL,
    property_income INTEGER NOT NULL,
    transfer_income INTEGER NOT NULL,
    business_expense INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (household_id, year)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    household_no TEXT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_household ON audit_log (household_no, id);
