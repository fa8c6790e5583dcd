-- The database refuses what no API does (docs/archives.md "Guards"): an archive's bundle
-- columns never change; the disposal columns are written once, not before the retention period
-- ends; a row is deleted only once disposed of and after its period by the database's own clock.

CREATE FUNCTION archives_guard_update() RETURNS trigger AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
        OR NEW.section_id IS DISTINCT FROM OLD.section_id
        OR NEW.project_id IS DISTINCT FROM OLD.project_id
        OR NEW.market IS DISTINCT FROM OLD.market
        OR NEW.end_event_type IS DISTINCT FROM OLD.end_event_type
        OR NEW.end_seq IS DISTINCT FROM OLD.end_seq
        OR NEW.ended_at IS DISTINCT FROM OLD.ended_at
        OR NEW.ended_on IS DISTINCT FROM OLD.ended_on
        OR NEW.retention_years IS DISTINCT FROM OLD.retention_years
        OR NEW.retention_basis IS DISTINCT FROM OLD.retention_basis
        OR NEW.retention_confirmed IS DISTINCT FROM OLD.retention_confirmed
        OR NEW.retain_until IS DISTINCT FROM OLD.retain_until
        OR NEW.disposable_from IS DISTINCT FROM OLD.disposable_from
        OR NEW.tree_size IS DISTINCT FROM OLD.tree_size
        OR NEW.root_hash IS DISTINCT FROM OLD.root_hash
        OR NEW.checkpoint_note IS DISTINCT FROM OLD.checkpoint_note
        OR NEW.event_count IS DISTINCT FROM OLD.event_count
        OR NEW.document_count IS DISTINCT FROM OLD.document_count
        OR NEW.manifest IS DISTINCT FROM OLD.manifest
        OR NEW.manifest_sha256 IS DISTINCT FROM OLD.manifest_sha256
        OR NEW.bundle_key IS DISTINCT FROM OLD.bundle_key
        OR NEW.bundle_sha256 IS DISTINCT FROM OLD.bundle_sha256
        OR NEW.bundle_size IS DISTINCT FROM OLD.bundle_size
        OR NEW.key_name IS DISTINCT FROM OLD.key_name
        OR NEW.verifier_key IS DISTINCT FROM OLD.verifier_key
        OR NEW.built_at IS DISTINCT FROM OLD.built_at THEN
        RAISE EXCEPTION 'archive.immutable: the bundle columns of an archive never change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.disposed_at IS NOT NULL
        OR NEW.disposed_at IS NULL
       
        OR NEW.disposed_at < OLD.disposable_from THEN
        RAISE EXCEPTION 'archive.retention: an archive is disposed of once, after its retention period'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER archives_guard_update BEFORE UPDATE ON archives
    FOR EACH ROW EXECUTE FUNCTION archives_guard_update();

CREATE FUNCTION archives_guard_delete() RETURNS trigger AS $$
BEGIN
    IF OLD.disposed_at IS NULL
        OR OLD.disposable_from > (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT THEN
        RAISE EXCEPTION 'archive.retention: an archive cannot be deleted before its retention period ends'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER archives_guard_delete BEFORE DELETE ON archives
    FOR EACH ROW EXECUTE FUNCTION archives_guard_delete();

CREATE FUNCTION archives_guard_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'archive.retention: archives cannot be truncated'
        USING ERRCODE = 'check_violation';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER archives_guard_truncate BEFORE TRUNCATE ON archives
    FOR EACH STATEMENT EXECUTE FUNCTION archives_guard_truncate();
