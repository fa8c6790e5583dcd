//! The committee room's data for the expert's workbench pages (`/expert/committee/…`).
//!
//! One call per page: [`my_seats`] lists the committees the signed-in expert sits on today, [`room`]
//! returns everything the room page shows (the opening record's lines, the method, the members and
//! the chair, the expert's own review and scores, the others' scores once all are in, the
//! clarifications, the draft or signed report) — or, instead of failing, why the expert cannot work
//! here now: outside the room's terminal networks ([`RoomView::OutsideNetwork`], the rule
//! `evaluation.room_network` of the API) or outside the session window
//! ([`RoomView::OutsideSession`]). The page forms are turned into the API's inputs by the `*_from_form`
//! functions, so a form submission goes through the same use cases ([`crate::service`]) as the API
//! and is refused with the same field paths and rule ids.

use crate::rules::{self, MethodSpec};
use crate::service::{
    self, BidReview, BidScore, ChairVote, Clarification, ClarificationInput, Member, MemberScores,
    OpenedBid, OutsideRoomNetwork, Report, ReviewInput, ReviewItem, ScoreInput, SignInput,
    Workbench,
};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use ggzy_core::error::Violations;
use ggzy_core::time::{from_micros, shanghai};
use ggzy_core::{Error, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// The review items every member answers for every opened bid on the page: the qualification
/// review (资格审查) and the compliance review (符合性审查) of the preliminary review (初步评审,
/// 评标规定 第十九条–第二十三条). The API accepts any items; the page offers these two.
pub const REVIEW_ITEMS: [&str; 2] = ["资格审查", "符合性审查"];

/// One committee the expert sits on and may enter now.
#[derive(Debug, Clone)]
pub struct Seat {
    pub section_id: String,
    /// `waiting`, `review`, `scoring`, `signing` or `signed`.
    pub stage: String,
    pub session: Option<(Timestamp, Timestamp)>,
    pub bids: usize,
}

/// The committees the signed-in expert sits on whose session is on now (or that have no scheduled
/// session). Sections of later sessions are not listed: the notice gives time and place only, the
/// section is learnt in the room (招标投标法 第三十八条 keeps the evaluation confidential).
pub async fn my_seats(ctx: &Ctx, actor: &Actor) -> Result<Vec<Seat>> {
    actor.require(&[Role::Expert])?;
    let mut tx = ctx.db.begin().await?;
    let ids = crate::store::members::seats_of_user(&mut tx, &actor.user_id).await?;
    let now = ctx.clock.now();
    let mut out = vec![];
    for id in ids {
        let sec = service::load_sec(&mut tx, &ctx.db, &id, false).await?;
        let session = sec.session.map(|(a, b)| (from_micros(a), from_micros(b)));
        if let Some((start, end)) = session {
            if !rules::within_session(now, start, end) {
                continue;
            }
        }
        let members = service::load_members(&mut tx, &id).await?;
        let bids = service::opened_bids(&sec);
        let p = service::progress(&mut tx, &sec, &members, &bids).await?;
        out.push(Seat {
            section_id: id,
            stage: p.stage.to_string(),
            session,
            bids: bids.len(),
        });
    }
    tx.rollback().await?;
    Ok(out)
}

/// One line of the opening record as the committee sees it.
#[derive(Debug, Clone)]
pub struct OpeningLine {
    pub org_id: String,
    pub org_name: String,
    pub price: Option<String>,
    /// `decrypted`, `not_decrypted` or `digest_mismatch`.
    pub decryption: String,
    /// `valid`, `missing`, `invalid` or `unknown`.
    pub deposit: String,
    pub suite: Option<String>,
}

/// Everything the committee room page shows to one member.
#[derive(Debug, Clone)]
pub struct Room {
    pub workbench: Workbench,
    pub me: Member,
    pub opening: Vec<OpeningLine>,
    /// The member's own verdicts (or the replaced member's, when they stand for the seat), by
    /// organization.
    pub my_review: BTreeMap<String, Vec<ReviewItem>>,
    /// The bids left after the review (the ones scored), once the review stage is complete.
    pub left: Vec<OpenedBid>,
    /// The member's own points (or the replaced member's).
    pub my_scores: Vec<MemberScores>,
    /// Members whose seat has submitted its scores.
    pub scored_members: usize,
    /// Every member's points — `None` while sealed (not every member submitted, 招标投标法 第四十四条).
    pub all_scores: Option<Vec<MemberScores>>,
    pub clarifications: Vec<Clarification>,
    /// The draft report in the signing stage, the signed report after.
    pub report: Option<Report>,
    pub session: Option<(Timestamp, Timestamp)>,
    /// The opened bids with their documents (after the opening record).
    pub documents: Vec<crate::documents::BidDocuments>,
}

impl Room {
    pub fn method(&self) -> Option<&MethodSpec> {
        self.workbench.method.as_ref()
    }

    /// The display name of a member by expert id (the id itself for a member no longer listed).
    pub fn member_name(&self, expert_id: &str) -> String {
        self.workbench
            .members
            .iter()
            .find(|m| m.expert_id == expert_id)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| expert_id.to_string())
    }

    /// The display name of a bidder by organization id.
    pub fn org_name(&self, org_id: &str) -> String {
        self.opening
            .iter()
            .find(|l| l.org_id == org_id)
            .map(|l| l.org_name.clone())
            .unwrap_or_else(|| org_id.to_string())
    }

    /// Votes for each member as chair.
    pub fn chair_votes(&self, expert_id: &str) -> usize {
        self.workbench
            .members
            .iter()
            .filter(|m| m.chair_vote.as_deref() == Some(expert_id))
            .count()
    }
}

/// What the room page shows: the room, or why this expert cannot work in it now.
#[derive(Debug, Clone)]
pub enum RoomView {
    /// The request comes from outside the session room's terminal networks.
    OutsideNetwork(OutsideRoomNetwork),
    /// The session is scheduled for another time.
    OutsideSession {
        start: Timestamp,
        end: Timestamp,
    },
    Room(Box<Room>),
}

/// The committee room for the signed-in expert: the same checks as the API (committee member, room
/// network, session window), read in one transaction.
pub async fn room(ctx: &Ctx, actor: &Actor, ip: &str, section_id: &str) -> Result<RoomView> {
    actor.require(&[Role::Expert])?;
    if let Some(o) = service::room_network_gate(ctx, actor, ip, section_id).await? {
        return Ok(RoomView::OutsideNetwork(o));
    }
    let mut tx = ctx.db.begin().await?;
    let sec = service::load_sec(&mut tx, &ctx.db, section_id, false).await?;
    let me = service::require_member(&mut tx, actor, section_id).await?;
    let session = sec.session.map(|(a, b)| (from_micros(a), from_micros(b)));
    if let Some((start, end)) = session {
        if !rules::within_session(ctx.clock.now(), start, end) {
            tx.rollback().await?;
            return Ok(RoomView::OutsideSession { start, end });
        }
    }
    let members = service::load_members(&mut tx, section_id).await?;
    let bids = service::opened_bids(&sec);
    let p = service::progress(&mut tx, &sec, &members, &bids).await?;
    let review_rows =
        crate::store::committee::review_items_of(&mut tx, section_id, me.review_by()).await?;
    let mut my_review = BTreeMap::new();
    for r in review_rows {
        my_review.insert(r.org_id, r.items.0);
    }
    let scores = service::load_scores(&mut tx, section_id, &members).await?;
    let my_scores = scores
        .iter()
        .filter(|s| s.expert_id == me.scores_by())
        .cloned()
        .collect();
    let scored_members = members.iter().filter(|m| m.scored).count();
    let all_scores = (!members.is_empty() && scored_members == members.len() && !scores.is_empty())
        .then_some(scores);
    let clarifications = service::load_clarifications(&mut tx, section_id, None).await?;
    let report = match &sec.report {
        Some(r) => Some(
            serde_json::from_value::<Report>(r.clone())
                .map_err(|e| Error::internal(e.to_string()))?,
        ),
        None if p.stage == "signing" => match &sec.method {
            Some(spec) => Some(service::assemble(&mut tx, &sec, spec, &members, &bids).await?),
            None => None,
        },
        None => None,
    };
    let left = bids
        .iter()
        .filter(|b| p.stage != "review" && p.stage != "waiting" && !p.rejected.contains(&b.org_id))
        .cloned()
        .collect();
    let documents = crate::documents::of_section(&mut tx, &sec).await?;
    let opening = sec
        .entries
        .iter()
        .flatten()
        .map(|e| OpeningLine {
            org_id: e.org_id.clone(),
            org_name: e.org_name.clone(),
            price: e.price.as_ref().map(|p| p.to_string()),
            decryption: e.decryption.clone(),
            deposit: e.deposit.clone(),
            suite: e.suite.clone(),
        })
        .collect();
    tx.rollback().await?;
    Ok(RoomView::Room(Box::new(Room {
        workbench: Workbench::of(sec, members, bids, p),
        me,
        opening,
        my_review,
        left,
        my_scores,
        scored_members,
        all_scores,
        clarifications,
        report,
        session,
        documents,
    })))
}

// ---------------------------------------------------------------------------------------------
// Forms → the API's inputs. Field names are the API's field paths (`bids[0].items[1].reason`), so a
// refusal from the use case names the field the page shows.

/// The submitted form as a map (the last value of a repeated name wins).
pub fn form_map(pairs: &[(String, String)]) -> HashMap<&str, &str> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The review form: `bids[i].org_id`, `bids[i].items[j].item`, `bids[i].items[j].pass` (`true` /
/// `false`), `bids[i].items[j].reason`. An item without a verdict is refused
/// (`review.verdict_required`); every other rule is the use case's.
pub fn review_from_form(pairs: &[(String, String)]) -> Result<ReviewInput> {
    let f = form_map(pairs);
    let mut v = Violations::new();
    let mut bids = vec![];
    for i in 0.. {
        let Some(org_id) = f.get(format!("bids[{i}].org_id").as_str()) else {
            break;
        };
        let mut items = vec![];
        for j in 0.. {
            let Some(item) = f.get(format!("bids[{i}].items[{j}].item").as_str()) else {
                break;
            };
            let field = format!("bids[{i}].items[{j}].pass");
            let pass = match f.get(field.as_str()).copied() {
                Some("true") => true,
                Some("false") => false,
                _ => {
                    v.push(
                        field,
                        "review.verdict_required",
                        "choose pass or fail for every item",
                    );
                    continue;
                }
            };
            let reason = f
                .get(format!("bids[{i}].items[{j}].reason").as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            items.push(ReviewItem {
                item: item.to_string(),
                pass,
                reason,
            });
        }
        bids.push(BidReview {
            org_id: org_id.to_string(),
            items,
        });
    }
    v.into_result()?;
    Ok(ReviewInput { bids })
}

/// The scoring form: `bids[i].org_id` and `bids[i].points.<criterion>` for every hand-scored
/// criterion of `spec`. A blank field is left out (the use case names it,
/// `scoring.criterion_required`); text that is not a number is refused (`scoring.points_number`).
pub fn scores_from_form(spec: &MethodSpec, pairs: &[(String, String)]) -> Result<ScoreInput> {
    let f = form_map(pairs);
    let mut v = Violations::new();
    let mut bids = vec![];
    for i in 0.. {
        let Some(org_id) = f.get(format!("bids[{i}].org_id").as_str()) else {
            break;
        };
        let mut points = BTreeMap::new();
        for c in spec.scored_criteria() {
            let field = format!("bids[{i}].points.{}", c.code);
            let raw = f.get(field.as_str()).map(|s| s.trim()).unwrap_or("");
            if raw.is_empty() {
                continue;
            }
            match Decimal::from_str(raw) {
                Ok(d) => {
                    points.insert(c.code.clone(), d);
                }
                Err(_) => v.push(
                    field,
                    "scoring.points_number",
                    format!("enter the points for {} as a number, e.g. 42.5", c.name),
                ),
            }
        }
        bids.push(BidScore {
            org_id: org_id.to_string(),
            points,
        });
    }
    v.into_result()?;
    Ok(ScoreInput { bids })
}

/// The clarification form: `org_id`, `question`, `reply_by` as a Beijing-time `datetime-local`
/// value (`2026-03-20T15:30`, seconds optional). A missing or malformed time is refused
/// (`clarification.reply_by_format`); the rest is the use case's.
pub fn clarification_from_form(pairs: &[(String, String)]) -> Result<ClarificationInput> {
    let f = form_map(pairs);
    let raw = f.get("reply_by").map(|s| s.trim()).unwrap_or("");
    let reply_by = parse_local(raw).ok_or_else(|| {
        Error::field(
            "reply_by",
            "clarification.reply_by_format",
            "enter the reply deadline as a date and time (Beijing time), e.g. 2026-03-20 15:30",
        )
    })?;
    Ok(ClarificationInput {
        org_id: f.get("org_id").copied().unwrap_or_default().to_string(),
        question: f.get("question").copied().unwrap_or_default().to_string(),
        reply_by,
    })
}

/// A Beijing-time `datetime-local` value (`YYYY-MM-DDTHH:MM[:SS]`, a space instead of the `T`
/// accepted) as an instant.
pub fn parse_local(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.replace(' ', "T");
    let naive = NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M"))
        .ok()?;
    shanghai()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The chair vote form: `expert_id`. Nothing chosen → `chair.choice_required`.
pub fn chair_from_form(pairs: &[(String, String)]) -> Result<ChairVote> {
    let f = form_map(pairs);
    match f
        .get("expert_id")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(e) => Ok(ChairVote {
            expert_id: e.to_string(),
        }),
        None => Err(Error::field(
            "expert_id",
            "chair.choice_required",
            "choose the member you vote for as chair",
        )),
    }
}

/// The signing form: `dissent` (optional text) and `refuse` (a checkbox, present when ticked).
pub fn sign_from_form(pairs: &[(String, String)]) -> SignInput {
    let f = form_map(pairs);
    SignInput {
        dissent: f.get("dissent").map(|s| s.to_string()),
        refuse: f.get("refuse").is_some_and(|v| !v.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_review_form_becomes_the_api_input_and_a_missing_verdict_names_its_field() {
        let ok = review_from_form(&pairs(&[
            ("bids[0].org_id", "O1"),
            ("bids[0].items[0].item", "资格审查"),
            ("bids[0].items[0].pass", "true"),
            ("bids[0].items[1].item", "符合性审查"),
            ("bids[0].items[1].pass", "false"),
            ("bids[0].items[1].reason", "  工期超过招标文件要求  "),
            ("bids[1].org_id", "O2"),
            ("bids[1].items[0].item", "资格审查"),
            ("bids[1].items[0].pass", "true"),
        ]))
        .unwrap();
        assert_eq!(ok.bids.len(), 2);
        assert!(ok.bids[0].items[0].pass && !ok.bids[0].items[1].pass);
        assert_eq!(
            ok.bids[0].items[1].reason.as_deref(),
            Some("工期超过招标文件要求")
        );
        let Err(Error::Validation(errs)) = review_from_form(&pairs(&[
            ("bids[0].org_id", "O1"),
            ("bids[0].items[0].item", "资格审查"),
        ])) else {
            panic!("a missing verdict is refused")
        };
        assert_eq!(errs[0].field, "bids[0].items[0].pass");
        assert_eq!(errs[0].rule, "review.verdict_required");
    }

    #[test]
    fn a_score_that_is_not_a_number_is_refused_and_a_blank_one_left_to_the_use_case() {
        let spec: MethodSpec = serde_json::from_value(serde_json::json!({
            "method": "comprehensive",
            "criteria": [
                {"code": "price", "name": "投标报价", "max_points": "30", "is_price": true},
                {"code": "technical", "name": "技术标", "max_points": "70", "guidance": "g"}],
            "price_formula": {"base": {"kind": "lowest"}, "kind": "lowest_ratio"}}))
        .unwrap();
        let ok = scores_from_form(
            &spec,
            &pairs(&[
                ("bids[0].org_id", "O1"),
                ("bids[0].points.technical", " 61.5 "),
                ("bids[0].points.price", "30"),
                ("bids[1].org_id", "O2"),
                ("bids[1].points.technical", ""),
            ]),
        )
        .unwrap();
        assert_eq!(ok.bids[0].points["technical"], Decimal::new(615, 1));
        assert!(
            !ok.bids[0].points.contains_key("price"),
            "the price is computed"
        );
        assert!(ok.bids[1].points.is_empty());
        let Err(Error::Validation(errs)) = scores_from_form(
            &spec,
            &pairs(&[
                ("bids[0].org_id", "O1"),
                ("bids[0].points.technical", "六十"),
            ]),
        ) else {
            panic!("text is refused")
        };
        assert_eq!(errs[0].field, "bids[0].points.technical");
        assert_eq!(errs[0].rule, "scoring.points_number");
    }

    #[test]
    fn the_reply_deadline_is_beijing_time_and_a_malformed_one_is_refused() {
        let c = clarification_from_form(&pairs(&[
            ("org_id", "O1"),
            ("question", "请澄清工期"),
            ("reply_by", "2026-03-20T15:30"),
        ]))
        .unwrap();
        assert_eq!(c.reply_by.to_rfc3339(), "2026-03-20T07:30:00+00:00");
        assert_eq!(
            parse_local("2026-03-20 15:30:59").map(|t| t.to_rfc3339()),
            Some("2026-03-20T07:30:59+00:00".to_string())
        );
        let Err(Error::Validation(errs)) =
            clarification_from_form(&pairs(&[("reply_by", "下午三点")]))
        else {
            panic!("refused")
        };
        assert_eq!(errs[0].rule, "clarification.reply_by_format");
    }

    #[test]
    fn the_sign_form_refuses_only_when_ticked_and_the_chair_form_needs_a_choice() {
        let s = sign_from_form(&pairs(&[("dissent", "")]));
        assert!(!s.refuse);
        let s = sign_from_form(&pairs(&[("dissent", "理由"), ("refuse", "true")]));
        assert!(s.refuse);
        assert_eq!(
            chair_from_form(&pairs(&[("expert_id", "E2")]))
                .unwrap()
                .expert_id,
            "E2"
        );
        assert!(chair_from_form(&pairs(&[])).is_err());
    }
}
