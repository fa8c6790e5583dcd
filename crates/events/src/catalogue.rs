//! The catalogue of contracts, rendered as `docs/events.md`.

/// One payload field of a contract.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    /// The Rust type as written in the contract (`Option<…>`: may be absent or null).
    pub ty: &'static str,
    pub doc: &'static str,
}

/// One contract: name, version, aggregate, what it says and its payload.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: &'static str,
    pub version: u32,
    pub aggregate: &'static str,
    pub doc: &'static str,
    pub fields: Vec<Field>,
}

/// Every contract of this crate, sorted by name.
pub fn catalogue() -> Vec<Entry> {
    use crate::{auctions as a, experts as e, identity as i, projects as p};
    use crate::{publishing as pb, venues as v};
    let mut v = vec![
        i::OrganizationRegistered::entry(),
        p::SectionRegistered::entry(),
        p::SectionClosed::entry(),
        p::SectionDeadlineChanged::entry(),
        p::RegistrationCreated::entry(),
        p::AwardConfirmed::entry(),
        p::ContractSigned::entry(),
        p::SectionFailed::entry(),
        p::SectionTerminated::entry(),
        p::BidWithdrawn::entry(),
        p::BidRevoked::entry(),
        a::DealConfirmed::entry(),
        a::ListingFailed::entry(),
        a::AuctionFailed::entry(),
        a::ListingRelisted::entry(),
        a::LandContractOverdue::entry(),
        p::ContractOverdue::entry(),
        crate::deposits::RefundOverdue::entry(),
        p::SectionBiddingOpened::entry(),
        p::BidSubmitted::entry(),
        p::OpeningRecorded::entry(),
        e::DrawCompleted::entry(),
        e::MemberReplaced::entry(),
        e::ExpertUpdated::entry(),
        e::DrawCommitted::entry(),
        e::SupervisorCommitted::entry(),
        e::DrawRevealed::entry(),
        v::SessionScheduled::entry(),
        v::SessionMoved::entry(),
        v::SessionCancelled::entry(),
        v::RoomNetworksChanged::entry(),
        pb::AnnouncementPublished::entry(),
        crate::deposits::DepositStatusFixed::entry(),
        crate::deposits::DepositValid::entry(),
        p::SectionOpened::entry(),
        p::BidDecrypted::entry(),
        p::CandidatesPublicized::entry(),
        p::AwardReportOverdue::entry(),
        p::ObjectionOverdue::entry(),
        crate::remedies::CaseOverdue::entry(),
        crate::deposits::TransferReceived::entry(),
        crate::deposits::RefundInstructed::entry(),
        crate::deposits::DepositForfeited::entry(),
        v::ViolationRecorded::entry(),
        crate::evaluation::ScoreOutlier::entry(),
        e::ExpertRated::entry(),
        crate::calendar::YearMissing::entry(),
        crate::calendar::ScheduleImported::entry(),
        pb::AnnouncementPeriodsRechecked::entry(),
        a::ListingPeriodsRechecked::entry(),
        crate::consumer::EventParked::entry(),
        crate::consumer::EventReplayed::entry(),
        p::SectionConcluded::entry(),
        pb::AttachmentAdded::entry(),
        p::PrequalificationOpened::entry(),
        p::PrequalificationApplied::entry(),
        p::PrequalificationReviewed::entry(),
        p::PrequalificationDeadlineChanged::entry(),
        p::SectionReturnedToEvaluation::entry(),
        p::DueDateRederived::entry(),
        p::QualificationReviewed::entry(),
        crate::remedies::CaseRaised::entry(),
        crate::remedies::CaseAnswered::entry(),
        crate::remedies::CaseSuspended::entry(),
        crate::remedies::CaseResumed::entry(),
        crate::remedies::CaseDecided::entry(),
        e::DrawCancelled::entry(),
        crate::evaluation::ReportSigned::entry(),
        crate::evaluation::BidRejected::entry(),
        v::BookingMoved::entry(),
        v::RoomCreated::entry(),
        v::BookingCreated::entry(),
        v::BookingConfirmed::entry(),
        v::BookingCancelled::entry(),
        v::BookingExpired::entry(),
        i::UserCreated::entry(),
        p::ProjectCreated::entry(),
        p::ProjectUpdated::entry(),
        p::ProjectApproved::entry(),
        e::CommitteeDisclosed::entry(),
        a::DealTermsRecorded::entry(),
        a::PreemptionRecorded::entry(),
    ];
    v.sort_by_key(|e| e.name);
    v
}

fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `docs/events.md`: generated, never edited by hand.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Event contracts\n\n\
         Generated from the types of `crates/events` by `cargo run -p ggzy-events --example catalogue`;\n\
         do not edit by hand (the test `catalogue_is_current` fails when this file is stale).\n\n\
         Each event another area consumes has one type: its name, version and payload. Producers\n\
         build the payload through the type, consumers decode it through the type; an event a consumer\n\
         cannot decode is parked with an alert (see the crate docs and docs/events-and-time.md).\n\
         Versioning: a new field is optional (`Option`, absent in older events) and keeps the version;\n\
         a breaking change is a new version whose payload carries `\"v\"`, with an upcaster next to the type.\n\
         Instants are RFC 3339 strings, money is a decimal string in CNY with two places.\n\n",
    );
    for e in catalogue() {
        out.push_str(&format!(
            "## `{}` (v{})\n\nAggregate: `{}`. {}\n\n| field | type | meaning |\n|---|---|---|\n",
            e.name,
            e.version,
            e.aggregate,
            cell(e.doc)
        ));
        for f in &e.fields {
            out.push_str(&format!(
                "| `{}` | `{}` | {} |\n",
                f.name,
                f.ty.replace(char::is_whitespace, ""),
                cell(f.doc)
            ));
        }
        out.push('\n');
    }
    out
}
