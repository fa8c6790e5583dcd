-- The sandbox mark (演示环境): one row, written when `serve --demo` first starts on an empty database.
-- A database with this row is a training copy: it refuses to serve without --demo, and its clock is
-- the stored simulated instant (`sim_at`, taken at the real instant `real_at`) running `scale` times
-- faster than real time, so a restart continues where it was. `seeded_at`: when the demo trades were
-- seeded (once).
CREATE TABLE sandbox (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    created_at BIGINT NOT NULL,
    scale BIGINT NOT NULL CHECK (scale >= 1),
    sim_at BIGINT NOT NULL,
    real_at BIGINT NOT NULL,
    seeded_at BIGINT
);
