//! Expert pool use cases. Each write runs in one transaction with its domain events; their SQL is
//! in [`crate::store`].

use crate::draw::{
    self, Assignment, Candidate, CommitteeRules, Excluded, PoolStatus, SpecialtyCount, Status,
    Title, Verification,
};
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::ident::{Phone, RegionCode, ResidentId, Uscc};
use ggzy_core::sql::Json;
use ggzy_core::{ids, Error, FieldError, Money, Result};
use ggzy_events::experts::ExpertRegistered;
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, expect_one, Ctx, Tx};

use crate::store;
pub(crate) use crate::store::draws::DrawRow;
use crate::store::pool::{ExpertRow, NewExpertRow};

const EXPERTS_RESIDENT_ID: UniqueKey =
    UniqueKey::new("experts_resident_id_key", "experts", &["resident_id"]);
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

mod draws;
mod pool;
pub use draws::*;
pub use pool::*;

const STAFF: &[Role] = &[Role::Staff, Role::Admin];
const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Supervisor];
const MAX_IMPORT_ROWS: usize = 5000;
