//! Contracts of who may bid and of bids set aside: invitations, interested parties,
//! prequalification notices, organizations' relations, bids voided or lost to a platform fault.

use crate::contract;

contract! {
    /// An invitation (投标邀请书) was sent to an organization for an invited tender.
    InvitationSent = "projects.invitation.sent", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        /// The invitee's unified social credit code.
        uscc: String,
        name: String,
        basis: String,
    }
}

contract! {
    /// An interested party of the tenderer (实施条例 第三十四条) was declared on the section: it
    /// may not bid.
    InterestedPartyDeclared = "projects.interested_party.declared", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        uscc: String,
        /// The relation to the tenderer.
        relation: String,
        basis: String,
    }
}

contract! {
    /// The result notice of a prequalification (资格预审结果通知书, 实施条例 第十九条) to one
    /// applicant.
    PrequalificationNotice = "projects.prequalification.notice", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        prequalification_id: String,
        org_id: String,
        qualified: bool,
        /// The reviewer's reason (trimmed; may be empty).
        reason: String,
        basis: String,
    }
}

contract! {
    /// A bid was voided at the deadline by the joint-bidding bar (related organizations or one
    /// legal representative bidding on the same section).
    BidVoided = "projects.bid.voided", version 1, aggregate "section" by section_id {
        section_id: String,
        project_id: String,
        org_id: String,
        /// The organization's current bid (null when it has none).
        bid_id: Option<String>,
        /// The bar's rule id.
        reason: String,
        /// The bar's explanation.
        detail: String,
        basis: String,
    }
}

contract! {
    /// The centre declared a platform or CA fault for a bid at the opening: the bid is deemed
    /// withdrawn (`withdrawn_platform_fault`), not revoked.
    BidFaultDeclared = "projects.bid.fault_declared", version 1, aggregate "section" by section_id {
        bid_id: String,
        section_id: String,
        org_id: String,
        /// `platform` or `ca`.
        fault: String,
        reason: String,
        /// The staff user who declared it.
        declared_by: String,
        /// `withdrawn_platform_fault`.
        decryption: String,
        basis: String,
    }
}

contract! {
    /// A stored bid file did not match its receipt: not the bidder's fault, the bid is deemed
    /// withdrawn (`withdrawn_platform_fault`); supervisors and operators are alerted.
    BidStorageFault = "projects.bid.storage_fault", version 1, aggregate "section" by section_id {
        bid_id: String,
        section_id: String,
        org_id: String,
        /// `withdrawn_platform_fault`.
        decryption: String,
        /// Hex SHA-256 of the ciphertext on the bidder's receipt.
        receipt_ciphertext_sha256: String,
        /// Hex SHA-256 of the ciphertext as stored.
        stored_ciphertext_sha256: String,
        basis: String,
    }
}

contract! {
    /// An organization's relation with another unit (control or management, 实施条例 第三十四条)
    /// was declared; staff's declarations are verified at once.
    OrgRelationDeclared = "projects.org_relation.declared", version 1, aggregate "organization" by org_id {
        /// The relation's id.
        id: String,
        org_id: String,
        /// The declaring organization's unified social credit code.
        uscc: String,
        related_uscc: String,
        /// `control` or `management`.
        kind: String,
        /// `declared` or `verified`.
        status: String,
    }
}

contract! {
    /// Staff verified a declared relation: it counts for the joint-bidding bar from now on.
    OrgRelationVerified = "projects.org_relation.verified", version 1, aggregate "organization" by org_id {
        id: String,
        org_id: String,
        related_uscc: String,
        kind: String,
    }
}

contract! {
    /// A relation was removed.
    OrgRelationRemoved = "projects.org_relation.removed", version 1, aggregate "organization" by org_id {
        id: String,
        org_id: String,
        related_uscc: String,
        kind: String,
        /// The relation's status when removed.
        status: String,
    }
}

/// This module's contracts, for the catalogue.
pub(crate) fn entries() -> Vec<crate::Entry> {
    vec![
        InvitationSent::entry(),
        InterestedPartyDeclared::entry(),
        PrequalificationNotice::entry(),
        BidVoided::entry(),
        BidFaultDeclared::entry(),
        BidStorageFault::entry(),
        OrgRelationDeclared::entry(),
        OrgRelationVerified::entry(),
        OrgRelationRemoved::entry(),
    ]
}
