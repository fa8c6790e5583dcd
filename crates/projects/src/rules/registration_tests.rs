use super::*;
use ggzy_core::time::at_local;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn registration_one_second_before_the_deadline_is_open_and_at_the_deadline_closed() {
    let deadline = at_local(d("2026-03-22"), 9, 30, 0);
    assert!(registration_open(
        deadline - chrono::Duration::seconds(1),
        deadline
    ));
    // Still inside the last second before the deadline.
    assert!(registration_open(
        deadline - chrono::Duration::milliseconds(1),
        deadline
    ));
    assert!(!registration_open(deadline, deadline));
    assert!(!registration_open(
        deadline + chrono::Duration::milliseconds(999),
        deadline
    ));
}

#[test]
fn a_sanction_is_in_force_from_its_first_to_its_last_day_inclusive() {
    let (from, to) = (d("2026-03-01"), d("2026-03-10"));
    assert!(!sanction_active(from, to, d("2026-02-28")));
    assert!(sanction_active(from, to, d("2026-03-01")));
    assert!(sanction_active(from, to, d("2026-03-10")));
    assert!(!sanction_active(from, to, d("2026-03-11")));
}

fn party(id: &str, uscc: &str, rep: Option<&str>) -> Party {
    Party {
        org_id: id.into(),
        uscc: uscc.into(),
        legal_representative_id: rep.map(str::to_string),
    }
}

#[test]
fn the_same_legal_representative_bars_a_second_bidder() {
    let a = party("a", "UA", Some("R1"));
    let others = [party("b", "UB", Some("R2")), party("c", "UC", Some("R1"))];
    assert_eq!(
        joint_bid_bar(&a, &others, &[]),
        Some(JointBidBar::SameLegalRepresentative)
    );
    // Unknown representatives never match each other.
    let a = party("a", "UA", None);
    let others = [party("b", "UB", None)];
    assert_eq!(joint_bid_bar(&a, &others, &[]), None);
}

#[test]
fn a_declared_relation_bars_in_both_directions() {
    let a = party("a", "UA", None);
    let b = party("b", "UB", None);
    let declared_by_applicant = [Relation {
        org_id: "a".into(),
        related_uscc: "UB".into(),
    }];
    let declared_by_other = [Relation {
        org_id: "b".into(),
        related_uscc: "UA".into(),
    }];
    let unrelated = [Relation {
        org_id: "a".into(),
        related_uscc: "UZ".into(),
    }];
    let others = [b];
    assert_eq!(
        joint_bid_bar(&a, &others, &declared_by_applicant),
        Some(JointBidBar::ControllingRelation)
    );
    assert_eq!(
        joint_bid_bar(&a, &others, &declared_by_other),
        Some(JointBidBar::ControllingRelation)
    );
    assert_eq!(joint_bid_bar(&a, &others, &unrelated), None);
    assert!(JointBidBar::ControllingRelation
        .message()
        .contains("第三十四条"));
    assert!(JointBidBar::ControllingRelation
        .message()
        .contains("the bids of both are void"));
}

#[test]
fn sanction_kinds_round_trip() {
    for k in [SanctionKind::Debarred, SanctionKind::Dishonest] {
        assert_eq!(SanctionKind::parse(k.as_str()).unwrap(), k);
    }
    assert!(SanctionKind::parse("banned").is_err());
}
