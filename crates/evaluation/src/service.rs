//! Use cases of the evaluation (each in one transaction with its events) and the projection of the
//! other areas' events it needs.
//!
//! Stages are derived from the members' rows: review done when every active member reviewed every
//! opened bid; scoring done when every active member scored every bid left (comprehensive method
//! only); the report is final when every active member signed. A replacement member
//! (`experts.member.replaced`) takes the seat of the member he replaces: a stage that member had
//! submitted (his review of every opened bid, his scores of every bid left) stays counted for the
//! seat, and the replacement does only the stages still open (he signs the report himself).

use crate::rules::{self, Method, MethodSpec, PriceScore, Rankable};
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::sql::Flag;
use ggzy_core::time::to_micros;
use ggzy_core::{Clock, Error, Result, Timestamp};
use ggzy_events::evaluation::{
    ChairElected, ClarificationAnswered, ClarificationRequested, DrawnTieGroup, MethodDeclared,
    PriceAbnormallyLow, PriceCheckRecorded, ReportMemberSigned, ReviewSubmitted, ScoresSubmitted,
    TieDrawn,
};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, Ctx, Db, Tx};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;
use utoipa::ToSchema;

mod chair;
mod clarifications;
mod loading;
mod method;
mod projection;
mod report;
mod review;
mod scoring;
mod workbench;

pub use chair::*;
pub use clarifications::*;
pub use loading::*;
pub use method::*;
pub use projection::*;
pub use report::*;
pub use review::*;
pub use scoring::*;
pub use workbench::*;
