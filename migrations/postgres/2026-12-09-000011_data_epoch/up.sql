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
