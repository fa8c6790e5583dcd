-- The database refuses what no API does (docs/archives.md "Guards"): an archive's bundle
-- columns never change; the disposal columns are written once, not before the retention period
-- ends; a row is deleted only once disposed of and after its period by the database's own clock.

CREATE TRIGGER archives_immutable BEFORE UPDATE ON archives
WHEN NEW.id IS NOT OLD.id
    OR NEW.section_id IS NOT OLD.section_id
    OR NEW.project_id IS NOT OLD.project_id
    OR NEW.market IS NOT OLD.market
    OR NEW.end_event_type IS NOT OLD.end_event_type
    OR NEW.end_seq IS NOT OLD.end_seq
    OR NEW.ended_at IS NOT OLD.ended_at
    OR NEW.ended_on IS NOT OLD.ended_on
    OR NEW.retention_years IS NOT OLD.retention_years
    OR NEW.retention_basis IS NOT OLD.retention_basis
    OR NEW.retention_confirmed IS NOT OLD.retention_confirmed
    OR NEW.retain_until IS NOT OLD.retain_until
    OR NEW.disposable_from IS NOT OLD.disposable_from
    OR NEW.tree_size IS NOT OLD.tree_size
    OR NEW.root_hash IS NOT OLD.root_hash
    OR NEW.checkpoint_note IS NOT OLD.checkpoint_note
    OR NEW.event_count IS NOT OLD.event_count
    OR NEW.document_count IS NOT OLD.document_count
    OR NEW.manifest IS NOT OLD.manifest
    OR NEW.manifest_sha256 IS NOT OLD.manifest_sha256
    OR NEW.bundle_key IS NOT OLD.bundle_key
    OR NEW.bundle_sha256 IS NOT OLD.bundle_sha256
    OR NEW.bundle_size IS NOT OLD.bundle_size
    OR NEW.key_name IS NOT OLD.key_name
    OR NEW.verifier_key IS NOT OLD.verifier_key
    OR NEW.built_at IS NOT OLD.built_at
BEGIN
    SELECT RAISE(ABORT, 'archive.immutable: the bundle columns of an archive never change');
END;

CREATE TRIGGER archives_disposal_once BEFORE UPDATE OF disposed_at, disposed_by, disposal_reason ON archives
WHEN OLD.disposed_at IS NOT NULL
   
    OR NEW.disposed_at IS NULL
   
    OR NEW.disposed_at < OLD.disposable_from
BEGIN
    SELECT RAISE(ABORT, 'archive.retention: an archive is disposed of once, after its retention period');
END;

CREATE TRIGGER archives_no_early_delete BEFORE DELETE ON archives
WHEN OLD.disposed_at IS NULL
    OR OLD.disposable_from > CAST(strftime('%s', 'now') AS INTEGER) * 1000000
BEGIN
    SELECT RAISE(ABORT, 'archive.retention: an archive cannot be deleted before its retention period ends');
END;
