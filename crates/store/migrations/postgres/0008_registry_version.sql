-- The registry's version: every transaction that writes households, members, incomes or
-- divisions moves it on once (triggers, so no write path can forget). Screening keeps its
-- projection of the registry (households, members, income years) in screening_cache with the
-- version it was read at, and reads it back instead of the tables while the version is unchanged.
--
-- The triggers are deferred to commit, so the version row is the last lock a transaction takes
-- (no lock-order deadlock with cases or warnings), and a transaction-local flag makes the row
-- update once per transaction however many rows it wrote.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 1);

CREATE TABLE screening_cache (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    data BYTEA NOT NULL
);

CREATE FUNCTION registry_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('zhenxing.registry_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE registry_version SET version = version + 1 WHERE id = 1;
        PERFORM set_config('zhenxing.registry_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER households_version AFTER INSERT OR UPDATE OR DELETE ON households
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_version_bump();

CREATE CONSTRAINT TRIGGER members_version AFTER INSERT OR UPDATE OR DELETE ON members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_version_bump();

CREATE CONSTRAINT TRIGGER incomes_version AFTER INSERT OR UPDATE OR DELETE ON incomes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_version_bump();

CREATE CONSTRAINT TRIGGER divisions_version AFTER INSERT OR UPDATE OR DELETE ON divisions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
