-- The data's version, for answers kept across requests (`db::version`), is the feed's last
-- position (every change the service makes writes one, in commit order) with this epoch,
-- which writes that go around the feed (seeding, reference data, an operator's own SQL)
-- move: `UPDATE data_epoch SET epoch = epoch + 1`. Bookkeeping (webhook deliveries, leases,
-- reminder keys) moves neither, so it leaves kept answers standing.
CREATE TABLE data_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO data_epoch (id, epoch) VALUES (1, 0);

-- The version in one call whose inner plans each session keeps (a statement of three
-- subqueries was planned anew at every request: 8,960 calls/s against this function's
-- 18,286 under pgbench on the national set).
CREATE FUNCTION oversight_data_version() RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    position BIGINT;
    epoch BIGINT;
BEGIN
    SELECT id INTO position FROM audit_events ORDER BY id DESC LIMIT 1;
    SELECT d.epoch INTO epoch FROM data_epoch d;
    RETURN COALESCE(position, 0)::text || '.' || epoch::text || '@' || pg_postmaster_start_time()::text;
END
$$;
