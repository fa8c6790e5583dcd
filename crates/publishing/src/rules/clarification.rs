//! What a change or clarification notice (澄清或者修改) does to the deadlines it reaches: pure.

use super::{days_between, PERIODS};
use chrono::{DateTime, Timelike, Utc};
use ggzy_core::time::local_date;

/// What a change/clarification notice published at `publish_at` does to one section's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineEffect {
    /// At least 15 days remain and the notice sets no later date.
    Keep,
    /// The deadline (and the opening time with it) moves.
    Postpone {
        new_deadline: DateTime<Utc>,
        new_opening_at: DateTime<Utc>,
    },
    /// Fewer than 15 days remain and the tenderer chose to be refused rather than postponed.
    TooShort,
}

/// What a change notice does to one deadline (pure; [`clarification_effect`] for the bids,
/// [`prequalification_clarification_effect`] for the prequalification applications).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueEffect {
    Keep,
    Postpone(DateTime<Utc>),
    TooShort,
}

/// The shared rule: fewer than `min_days` calendar days (Asia/Shanghai dates) from publishing to
/// `deadline` postpone it to the `min_days`-th day after publishing, at the deadline's own time
/// of day, or to the notice's own later date (`own_deadline`). With `refuse_if_short` a short
/// notice is refused instead, unless its own date is far enough.
fn due_effect(
    publish_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    own_deadline: Option<DateTime<Utc>>,
    refuse_if_short: bool,
    min_days: i64,
) -> DueEffect {
    let enough = |d: DateTime<Utc>| days_between(publish_at, d) >= min_days;
    let tod = deadline.with_timezone(&ggzy_core::time::shanghai()).time();
    let min = ggzy_core::time::at_local(
        local_date(publish_at) + chrono::Duration::days(min_days),
        tod.hour(),
        tod.minute(),
        tod.second(),
    );
    let own = own_deadline.filter(|o| *o > deadline);
    match own {
        Some(o) if enough(o) => DueEffect::Postpone(o),
        _ if enough(deadline) => DueEffect::Keep,
        _ if refuse_if_short => DueEffect::TooShort,
        Some(o) => DueEffect::Postpone(o.max(min)),
        None => DueEffect::Postpone(min),
    }
}

/// 招标投标法 第23条; 实施条例 第21条; 87号令 第27条. Fewer than 15 calendar days (Asia/Shanghai
/// dates) from publishing to the deadline postpone it to the 15th day after publishing (at the
/// deadline's time of day, so the opening keeps its hour), or to the notice's
/// own later date (`own_deadline`); the opening time keeps its distance to the deadline. With
/// `refuse_if_short` a short notice is refused instead, unless its own date is far enough.
pub fn clarification_effect(
    publish_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    opening_at: DateTime<Utc>,
    own_deadline: Option<DateTime<Utc>>,
    refuse_if_short: bool,
) -> DeadlineEffect {
    match due_effect(
        publish_at,
        deadline,
        own_deadline,
        refuse_if_short,
        PERIODS.clarification_min_days,
    ) {
        DueEffect::Keep => DeadlineEffect::Keep,
        DueEffect::TooShort => DeadlineEffect::TooShort,
        DueEffect::Postpone(new_deadline) => DeadlineEffect::Postpone {
            new_deadline,
            new_opening_at: opening_at + (new_deadline - deadline),
        },
    }
}

/// 招标投标法实施条例 第21条 (资格预审文件的澄清或者修改): "应当在提交资格预审申请文件截止时间至少3日前
/// ……通知所有获取资格预审文件的潜在投标人；不足3日的，招标人应当顺延提交资格预审申请文件的截止时间".
/// A change notice published while a prequalification round is open amends the prequalification
/// documents (the tender documents are issued only to the qualified, 实施条例 19): fewer than 3
/// calendar days before the applications are due postpone them to the 3rd day after publishing
/// (same time of day), or to the notice's own later date; refused instead with `refuse_if_short`.
pub fn prequalification_clarification_effect(
    publish_at: DateTime<Utc>,
    applications_due_at: DateTime<Utc>,
    own_due: Option<DateTime<Utc>>,
    refuse_if_short: bool,
) -> DueEffect {
    due_effect(
        publish_at,
        applications_due_at,
        own_due,
        refuse_if_short,
        PERIODS.prequalification_clarification_min_days,
    )
}
