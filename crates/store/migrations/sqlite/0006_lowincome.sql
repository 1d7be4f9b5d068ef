-- The rural low-income population: 低保, 特困, 临时救助 and 低保边缘 roll entries with their periodic
-- reviews, and the care rosters (留守儿童, 留守妇女, 留守老人, 残疾人) with their visits.
-- Dates are ISO-8601 text; money is integer fen (as in 0001).

-- One entry of a roll. The household is the unit of 低保 and 低保边缘 (`covered` lists the covered
-- members' 18-character ID bases, comma-separated, `covered_count` their number); 特困 is one person
-- (`person_id_base`, care level, support mode, monthly amount); 临时救助 is a one-off `amount` for
-- an `event` on `start_date` (optionally for one person). `next_review` is the date of the next
-- 定期核查 (NULL for 临时救助 and ended entries); `source` is 'manual' or 'import' (civil feed upload
-- `upload_id`). Scoped through the household's village.
CREATE TABLE assistance_rolls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    person_id_base TEXT,
    covered TEXT,
    covered_count INTEGER NOT NULL DEFAULT 0,
    monthly_amount INTEGER,
    care_level TEXT,
    support_mode TEXT,
    amount INTEGER,
    event TEXT,
    reason TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    end_date TEXT,
    end_reason TEXT,
    status TEXT NOT NULL,
    next_review TEXT,
    source TEXT NOT NULL,
    upload_id INTEGER REFERENCES feed_uploads(id) ON DELETE SET NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX assistance_rolls_household ON assistance_rolls (household_id, kind, status);
CREATE INDEX assistance_rolls_review ON assistance_rolls (kind, status, next_review);
CREATE INDEX assistance_rolls_person ON assistance_rolls (person_id_base);
-- At most one active 特困 entry per person, one active 低保 and one active 低保边缘 per household.
CREATE UNIQUE INDEX assistance_rolls_one_tekun ON assistance_rolls (person_id_base) WHERE kind = 'tekun' AND status = 'active';
CREATE UNIQUE INDEX assistance_rolls_one_household ON assistance_rolls (household_id, kind) WHERE kind IN ('dibao', 'marginal') AND status = 'active';

-- 定期核查 records: continue, adjust the monthly amount (old → new), or end.
CREATE TABLE roll_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    roll_id INTEGER NOT NULL REFERENCES assistance_rolls(id) ON DELETE CASCADE,
    review_date TEXT NOT NULL,
    outcome TEXT NOT NULL,
    old_amount INTEGER,
    new_amount INTEGER,
    next_review TEXT,
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX roll_reviews_roll ON roll_reviews (roll_id, review_date);

-- One person in one care group: derived by the documented rules ('derived' = 待核实), then confirmed
-- or rejected by the cadre. `reason` is the rule's explanation; `next_visit` the planned visit.
CREATE TABLE care_roster (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    person_id_base TEXT NOT NULL,
    care_group TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    next_visit TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (person_id_base, care_group)
);
CREATE INDEX care_roster_household ON care_roster (household_id, care_group);

CREATE TABLE care_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    roster_id INTEGER NOT NULL REFERENCES care_roster(id) ON DELETE CASCADE,
    visit_date TEXT NOT NULL,
    visitor TEXT NOT NULL,
    content TEXT NOT NULL,
    next_visit TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX care_visits_roster ON care_visits (roster_id, visit_date);
