use ggzy_core::events::ActorRef;
use ggzy_core::{Error, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Roles of the platform. A user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Platform administrator.
    Admin,
    /// Centre staff (场所/现场).
    Staff,
    /// Tenderer (招标人).
    Tenderer,
    /// Tendering agency (代理机构).
    Agency,
    /// Bidder (投标人/竞买人).
    Bidder,
    /// Evaluation expert (评标专家).
    Expert,
    /// Market supervisor (监管): reads everything, changes nothing except alerts.
    Supervisor,
    /// Bank machine client for deposit callbacks.
    Bank,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Staff,
        Role::Tenderer,
        Role::Agency,
        Role::Bidder,
        Role::Expert,
        Role::Supervisor,
        Role::Bank,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Tenderer => "tenderer",
            Role::Agency => "agency",
            Role::Bidder => "bidder",
            Role::Expert => "expert",
            Role::Supervisor => "supervisor",
            Role::Bank => "bank",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::field("role", "role.unknown", format!("unknown role '{s}'")))
    }
}

ggzy_core::text_enum!(Role, Role::parse, Role::as_str);

/// The authenticated caller of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Actor {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: Option<String>,
}

impl Actor {
    /// Allow only the listed roles; everyone else gets 403 naming who may.
    pub fn require(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
            Err(Error::forbidden(format!(
                "role '{}' may not do this; allowed: {}",
                self.role.as_str(),
                names.join(", ")
            )))
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// Platform-wide roles see every organization's data.
    pub fn sees_everything(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff | Role::Supervisor)
    }

    /// Act for `org_id` only if it is the caller's own organization (or the caller's role spans all).
    pub fn require_org(&self, org_id: &str) -> Result<()> {
        if self.sees_everything() && self.role != Role::Supervisor
            || self.org_id.as_deref() == Some(org_id)
        {
            Ok(())
        } else {
            Err(Error::forbidden("this belongs to another organization"))
        }
    }

    pub fn actor_ref(&self) -> ActorRef {
        ActorRef::user(&self.user_id, self.org_id.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Organization {
    pub id: String,
    pub uscc: String,
    pub name: String,
    /// `tenderer`, `agency`, `bidder`, `centre`, `bank`, `supervisor`, `expert_employer`.
    pub kind: String,
    pub legal_representative: Option<String>,
    pub basic_account_bank: Option<String>,
    pub basic_account_no: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: Option<String>,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub disabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, org: Option<&str>) -> Actor {
        Actor {
            user_id: "u".into(),
            username: "u".into(),
            display_name: "u".into(),
            role,
            org_id: org.map(str::to_string),
        }
    }

    #[test]
    fn every_role_name_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("king").is_err());
    }

    #[test]
    fn a_role_not_listed_is_forbidden_and_told_who_may() {
        let e = actor(Role::Bidder, Some("o"))
            .require(&[Role::Staff, Role::Admin])
            .unwrap_err();
        assert!(matches!(e, Error::Forbidden(ref m) if m.contains("staff, admin")));
        assert!(actor(Role::Staff, None).require(&[Role::Staff]).is_ok());
    }

    #[test]
    fn a_supervisor_reads_everything_but_acts_for_no_organization() {
        let s = actor(Role::Supervisor, Some("sup"));
        assert!(s.sees_everything());
        assert!(s.require_org("other").is_err());
        assert!(actor(Role::Staff, None).require_org("other").is_ok());
        assert!(actor(Role::Bidder, Some("a")).require_org("a").is_ok());
        assert!(actor(Role::Bidder, Some("a")).require_org("b").is_err());
    }
}
