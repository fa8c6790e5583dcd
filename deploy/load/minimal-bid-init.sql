-- Tables for minimal-bid.pgbench.sql (a scratch database).
DROP TABLE IF EXISTS lim_bids;
DROP TABLE IF EXISTS lim_events;
CREATE TABLE lim_bids (id TEXT PRIMARY KEY, section_id TEXT NOT NULL, digest TEXT NOT NULL,
                       received_at TIMESTAMPTZ NOT NULL);
CREATE TABLE lim_events (seq BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, payload TEXT NOT NULL,
                         at TIMESTAMPTZ NOT NULL);
