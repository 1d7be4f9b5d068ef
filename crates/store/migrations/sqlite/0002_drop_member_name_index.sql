-- Name search is a substring match (LIKE '%…%'), which no B-tree index serves; the index only
-- slowed every member insert.
DROP INDEX IF EXISTS members_name;
