-- Cron follows the server clock: firings up to `through_us` were claimed; the ones after it that are
-- due (missed while no instance ran included) are claimed and run oldest first (store/src/cron.rs).
CREATE TABLE cron_cursors (
    job TEXT PRIMARY KEY,
    through_us BIGINT NOT NULL
);
