-- Sessions of people signed in through the pages (/login), kept apart from API bearer tokens:
-- a page session id travels only in an HttpOnly cookie and is never accepted as a bearer token,
-- and a bearer token is never accepted as a page session (crates/identity/src/page_session.rs).
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'bearer';
