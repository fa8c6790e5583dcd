//! Unified project registration (统一项目登记).
//!
//! A tenderer or its agency drafts a project with one or more sections (标段), submits it for
//! registration, and centre staff confirm it (登记确认), which allocates the unified trading code
//! (统一交易编码) and moves every section to `registered`.
//!
//! Invariants: `rules` and `model` do no I/O; every legal number lives in `project_rules` (data, per
//! region, market and procedure) with the national defaults of [`rules::MarketRules::national`];
//! every state change writes its domain event in the same transaction.

pub mod announcements;
pub mod award;
pub mod award_calendar;
pub mod award_report;
pub mod award_report_pages;
pub mod bidder;
pub mod bidding;
pub mod bids;
pub mod docmeta;
pub mod http;
pub mod listing;
pub mod model;
pub mod nontender;
pub mod opening;
pub mod opening_objections;
pub mod package;
pub mod pages;
pub mod prequalification;
pub mod procedure_http;
pub mod procedures;
pub mod procurement;
pub mod qualification;
pub mod qualification_pages;
pub mod receipt_pages;
pub mod regional;
pub mod result_pages;
pub mod retender;
pub mod rules;
pub mod service;
pub mod staff_pages;
mod store;
pub mod suspension;
pub mod timer_payload;
pub mod voided;
pub mod workbench;

/// This area's background work — consumers, timers, cron jobs, loops — registered here, next to
/// the code it runs; the server assembles every area's (crates/server/src/background.rs).
pub fn workers(w: &mut ggzy_store::workers::Workers) {
    w.consumer(bidding::OrganizationsProjection)
        .timer(bidding::DEADLINE_TIMER, bidding::SectionDeadline)
        .consumer(opening::OpeningSchedule)
        .consumer(opening::DepositStatusProjection)
        .timer(opening::OPENING_TIMER, opening::SectionOpening)
        .timer(opening::WINDOW_TIMER, opening::DecryptionWindow)
        .consumer(award::EvaluationReports)
        .consumer(award::Committees)
        .consumer(procurement::ReviewRejections)
        .consumer(award_calendar::AwardCalendar)
        .consumer(announcements::Announcements)
        .consumer(listing::ListingOutcome)
        .timer(award::CONTRACT_TIMER, award::ContractOverdue)
        .timer(award_report::REPORT_TIMER, award_report::AwardReportOverdue)
        .timer(procurement::REPORT_TIMER, procurement::ReportOverdue)
        .timer(procurement::CONFIRM_TIMER, procurement::ConfirmDue)
        .timer(
            procurement::ANNOUNCE_TIMER,
            procurement::AnnouncementOverdue,
        )
        .timer(
            procurement::CONTRACT_ANNOUNCE_TIMER,
            procurement::ContractAnnouncementOverdue,
        )
        .consumer(suspension::Suspensions)
        .consumer(opening_objections::OpeningObjections);
}
