//! Contracts of the identity area that other areas consume.

use crate::contract;

contract! {
    /// An organization is registered on the platform. Areas keep their own copy of what they
    /// need (USCC, name, legal representative, basic account).
    OrganizationRegistered = "identity.organization.registered", version 1, aggregate "organization" by id {
        id: String,
        /// Unified social credit code (统一社会信用代码).
        uscc: String,
        name: String,
        /// `tenderer`, `agency`, `bidder`, `centre`, `bank`, `supervisor`, `expert_employer`.
        kind: String,
        legal_representative: Option<String>,
        /// Resident ID of the legal representative, when given.
        legal_representative_id: Option<String>,
        basic_account_bank: Option<String>,
        /// Basic deposit account (基本账户) number: deposits must come from it.
        basic_account_no: Option<String>,
        region: Option<String>,
    }
}

contract! {
    /// A user account is created (by an administrator, or by accepting an invitation).
    UserCreated = "identity.user.created", version 1, aggregate "user" by id {
        id: String,
        username: String,
        /// The role (`staff`, `tenderer`, `expert` …).
        role: String,
        /// The user's organization (none for an administrator).
        org_id: Option<String>,
        /// The invitation accepted, when the user came by one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invitation_id: Option<String>,
        /// Who issued that invitation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invited_by: Option<String>,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![OrganizationRegistered::entry(), UserCreated::entry()]
}
