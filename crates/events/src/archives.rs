//! Contracts of the archives area (交易档案): a trade's archive scheduled, built and disposed of.

use crate::contract;
use chrono::NaiveDate;

contract! {
    /// A trade ended (a deal, a failure, a termination …): its archive is scheduled.
    ArchiveScheduled = "archives.archive.scheduled", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        market: String,
        /// The type of the event that ended the trade.
        ended_by: String,
        /// That event's sequence number in the log.
        end_seq: i64,
    }
}

contract! {
    /// A trade's archive is built: the signed bundle of its events and documents, kept until the
    /// end of its retention period.
    ArchiveCreated = "archives.archive.created", version 1, aggregate "archive" by archive_id {
        archive_id: String,
        section_id: String,
        project_id: String,
        market: String,
        /// The type of the event that ended the trade.
        ended_by: String,
        /// Last day of the retention period (Beijing date); disposal is allowed from the next day.
        retain_until: NaiveDate,
        retention_years: i64,
        /// The law and article (or the centre's rule) the period comes from.
        basis: String,
        /// The transparency log's size the bundle's proofs are made against.
        tree_size: u64,
        /// How many events the bundle holds.
        events: u64,
        /// How many documents the bundle holds.
        documents: u64,
        /// SHA-256 of the bundle (hex).
        bundle_sha256: String,
        /// SHA-256 of the manifest (hex).
        manifest_sha256: String,
    }
}

contract! {
    /// An archive is disposed of after its retention period (鉴定销毁); only its record remains.
    ArchiveDisposed = "archives.archive.disposed", version 1, aggregate "archive" by archive_id {
        archive_id: String,
        section_id: String,
        project_id: String,
        market: String,
        /// Last day of the retention period (Beijing date).
        retain_until: NaiveDate,
        /// Why it is disposed of (the appraisal decision).
        reason: String,
        /// SHA-256 of the bundle that was removed (hex).
        bundle_sha256: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        ArchiveScheduled::entry(),
        ArchiveCreated::entry(),
        ArchiveDisposed::entry(),
    ]
}
