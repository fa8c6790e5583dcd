//! Demo data: one organization and user per role (two tenderers and two agencies, three bidders),
//! so a newcomer can try every flow, including access across organizations.

use ggzy_core::events::ActorRef;
use ggzy_core::ident::Uscc;
use ggzy_core::{ids, Result};
use ggzy_identity::service::{self, NewOrganization, NewUser};
use ggzy_identity::Role;
use ggzy_store::Ctx;

pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub password: String,
    pub org: Option<String>,
}

fn demo_uscc(n: u32) -> String {
    // "91" (enterprise), 210200 (Dalian), a 9-character organization code, and the check character.
    Uscc::with_check(&format!("91210200MA{n:07}"))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// Fill an empty database. Returns `None` when users already exist (nothing is changed).
pub async fn seed(ctx: &Ctx, password: Option<&str>) -> Result<Option<Vec<DemoLogin>>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(ctx.db.pool())
        .await?;
    if n > 0 {
        return Ok(None);
    }
    let by = ActorRef::system("demo");
    let orgs: &[(&str, &str, &str, u32)] = &[
        ("centre", "大连市公共资源交易中心", "centre", 1),
        ("tenderer", "大连市市政建设管理处", "tenderer", 2),
        ("agency", "大连诚信招标代理有限公司", "agency", 3),
        ("bidder1", "大连第一建筑工程有限公司", "bidder", 4),
        ("bidder2", "辽宁路桥建设集团有限公司", "bidder", 5),
        ("bidder3", "大连海湾市政工程有限公司", "bidder", 6),
        (
            "supervisor",
            "大连市公共资源交易监督管理局",
            "supervisor",
            7,
        ),
        ("bank", "中国建设银行大连分行", "bank", 8),
        ("experts", "大连理工大学", "expert_employer", 9),
        // A second tenderer and agency, so cross-organization access can be tried.
        ("tenderer2", "大连市教育局", "tenderer", 10),
        ("agency2", "辽宁公正招标代理有限公司", "agency", 11),
    ];
    let mut org_ids = std::collections::HashMap::new();
    for (key, name, kind, n) in orgs {
        let bidder = *kind == "bidder";
        let o = service::create_org(
            ctx,
            &by,
            NewOrganization {
                uscc: demo_uscc(*n),
                name: name.to_string(),
                kind: kind.to_string(),
                legal_representative: Some(format!("法人{n}")),
                legal_representative_id: None,
                basic_account_bank: bidder.then(|| "中国建设银行大连分行".to_string()),
                basic_account_no: bidder.then(|| format!("2105016100000000{n:04}")),
                region: Some("210200".into()),
            },
        )
        .await?;
        org_ids.insert(*key, o.id);
    }
    let users: &[(&str, Role, &str)] = &[
        ("admin", Role::Admin, "centre"),
        ("staff", Role::Staff, "centre"),
        ("tenderer", Role::Tenderer, "tenderer"),
        ("agency", Role::Agency, "agency"),
        ("bidder1", Role::Bidder, "bidder1"),
        ("bidder2", Role::Bidder, "bidder2"),
        ("bidder3", Role::Bidder, "bidder3"),
        ("expert1", Role::Expert, "experts"),
        ("expert2", Role::Expert, "experts"),
        ("expert3", Role::Expert, "experts"),
        ("supervisor", Role::Supervisor, "supervisor"),
        ("bank", Role::Bank, "bank"),
        ("tenderer2", Role::Tenderer, "tenderer2"),
        ("agency2", Role::Agency, "agency2"),
    ];
    // Random passwords (a sandbox without `--demo-password`) are hashed one by one; the one
    // password of a seeded test or demo is hashed once for every account.
    let logins: Vec<DemoLogin> = users
        .iter()
        .map(|(username, role, org)| DemoLogin {
            username: username.to_string(),
            role: *role,
            password: password
                .map(str::to_string)
                .unwrap_or_else(|| ids::random_hex(8)),
            org: org_ids.get(org).cloned(),
        })
        .collect();
    let new_user = |l: &DemoLogin| NewUser {
        username: l.username.clone(),
        display_name: None,
        password: l.password.clone(),
        role: l.role,
        org_id: l.org.clone(),
    };
    if password.is_some() {
        service::create_users_sharing_a_password(ctx, &by, logins.iter().map(new_user).collect())
            .await?;
    } else {
        for l in &logins {
            service::create_user(ctx, &by, new_user(l)).await?;
        }
    }
    let out = logins;
    Ok(Some(out))
}

pub fn print_logins(logins: &[DemoLogin]) {
    print!("{}", logins_text(logins));
}

/// The demo logins as printed at start-up.
pub fn logins_text(logins: &[DemoLogin]) -> String {
    let mut s = String::from("Demo logins (username / password / role):\n");
    for l in logins {
        s.push_str(&format!(
            "  {:<11} {:<20} {}\n",
            l.username,
            l.password,
            l.role.as_str()
        ));
    }
    s
}
