-- The registry's version: every write to households, members, incomes or divisions moves it on
-- (triggers, so no write path can forget). Screening keeps its projection of the registry
-- (households, members, income years) in screening_cache with the version it was read at, and
-- reads it back instead of the tables while the version is unchanged.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 1);

CREATE TABLE screening_cache (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    data BLOB NOT NULL
);

CREATE TRIGGER households_version_insert AFTER INSERT ON households
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER households_version_update AFTER UPDATE ON households
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER households_version_delete AFTER DELETE ON households
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER members_version_insert AFTER INSERT ON members
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER members_version_update AFTER UPDATE ON members
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER members_version_delete AFTER DELETE ON members
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER incomes_version_insert AFTER INSERT ON incomes
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER incomes_version_update AFTER UPDATE ON incomes
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER incomes_version_delete AFTER DELETE ON incomes
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER divisions_version_insert AFTER INSERT ON divisions
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER divisions_version_update AFTER UPDATE ON divisions
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER divisions_version_delete AFTER DELETE ON divisions
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
