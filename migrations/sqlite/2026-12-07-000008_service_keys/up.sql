-- Keys the service makes for itself and every instance on the database shares, such as the
-- one that seals change-feed cursors. Made at start-up by the first instance that needs one.
CREATE TABLE service_keys (
    name  TEXT PRIMARY KEY,
    key   TEXT NOT NULL
);
