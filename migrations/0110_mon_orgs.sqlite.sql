-- Monitoring's own copy of organization names (issue 22: supervisors read names, not ids), kept
-- from `identity.organization.registered` by the monitoring consumer; filled here from the events
-- already in the log (monitoring never reads identity's tables).
CREATE TABLE mon_orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    uscc TEXT,
    kind TEXT
);
INSERT INTO mon_orgs (id, name, uscc, kind)
SELECT json_extract(payload, '$.id'), json_extract(payload, '$.name'),
       json_extract(payload, '$.uscc'), json_extract(payload, '$.kind')
FROM events
WHERE event_type = 'identity.organization.registered'
  AND json_extract(payload, '$.id') IS NOT NULL AND json_extract(payload, '$.name') IS NOT NULL
ON CONFLICT (id) DO NOTHING;
