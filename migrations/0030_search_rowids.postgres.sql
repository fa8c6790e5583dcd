-- Nothing to do on PostgreSQL: its trigram indexes live on `announcements` itself (see the SQLite
-- migration of the same number).
SELECT 1;
