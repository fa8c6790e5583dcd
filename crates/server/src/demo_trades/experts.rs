//! The expert pool and the expert logins linked to their records.

use super::*;

impl Seeder {
    /// 60 experts in 4 specialties at 10 employers (two specialties each, so every specialty has 3
    /// experts at each of the 10 employers: three draws of up to 10 for one tenderer in a row still
    /// find one per employer after the recently-drawn avoidance), and 4 at the demo tenderer and
    /// bidders (always avoided);
    /// logins expert1…3 (大连理工大学, from `demo::seed`) and expert4…8 (five more employers)
    /// linked to expert records.
    pub(super) async fn experts(&mut self) -> anyhow::Result<()> {
        let admin = self.t("admin").await?;
        let staff = self.t("staff").await?;
        // Employer organizations for the new expert logins (大连理工大学 is demo::seed's "experts").
        let mut login_orgs: Vec<(String, String)> = Vec::new();
        for (k, n) in (4..=8u32).enumerate() {
            let o = self
                .api
                .post_ok(
                    &admin,
                    "/api/v1/organizations",
                    json!({"uscc": uscc(100 + k as u32 + 1), "name": EMPLOYERS[k + 1], "kind": "expert_employer",
                           "region": "210200"}),
                )
                .await?;
            let username = format!("expert{n}");
            let pw = self
                .passwords
                .get("expert1")
                .cloned()
                .unwrap_or_else(|| ggzy_core::ids::random_hex(8));
            // Accounts outside the centre come from an invitation (the administrator creates centre
            // accounts only, docs/security.md): staff invite, the expert accepts.
            let org_id = o["id"].as_str().unwrap_or_default().to_string();
            let inv = self
                .api
                .post_ok(
                    &staff,
                    &format!("/api/v1/organizations/{org_id}/invitations"),
                    json!({"role": "expert"}),
                )
                .await?;
            let accept = json!({"code": inv["code"], "username": username, "password": pw});
            let (s, v) = self
                .api
                .json(Method::POST, "/api/v1/invitations/accept", None, &accept)
                .await?;
            if s != 201 {
                bail!("POST /api/v1/invitations/accept: {s} {v}");
            }
            self.passwords.insert(username.clone(), pw);
            login_orgs.push((username, o["id"].as_str().unwrap_or_default().to_string()));
        }
        let mut linked = 0;
        // Four more work for the demo tenderer and bidders: every draw for a demo trade must
        // avoid them (回避, 招标投标法 37 / 实施条例 46), and its answer names why.
        let conflicted: [(u32, &str); 4] = [
            (2, "大连市市政建设管理处"),
            (4, "大连第一建筑工程有限公司"),
            (5, "辽宁路桥建设集团有限公司"),
            (6, "大连海湾市政工程有限公司"),
        ];
        for n in 0..64u32 {
            let employer = (n % 10) as usize;
            // 大连理工大学 is demo uscc 9; the others 101…109.
            let (employer_uscc, employer_name) = if n >= 60 {
                let (u, name) = conflicted[(n - 60) as usize];
                (uscc(u), name)
            } else if employer == 0 {
                (uscc(9), EMPLOYERS[0])
            } else {
                (uscc(100 + employer as u32), EMPLOYERS[employer])
            };
            let specialties: Vec<&str> = if n >= 60 {
                SPECIALTIES.to_vec()
            } else {
                vec![
                    SPECIALTIES[(n % 4) as usize],
                    SPECIALTIES[((n + 1) % 4) as usize],
                ]
            };
            let body = json!({
                "name": format!("{}{}", ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"][(n % 8) as usize],
                                ["建国", "海波", "丽娟", "志强", "晓东", "文静", "国庆", "雪梅", "振华", "立新", "春生"][(n / 4 % 11) as usize]),
                "resident_id": resident_id(n + 1),
                "employer_uscc": employer_uscc,
                "employer_name": employer_name,
                "specialties": specialties,
                "title": if n % 3 == 0 { "full_senior" } else { "senior" },
                "years": 8 + (n % 17),
                "region": "210200",
                "phone": format!("1390411{n:04}"),
                // The government procurement pool (政采条例 39): every employer keeps experts of
                // every specialty in it (n < 40); experts 40…59 are in the general pool only.
                "procurement_pool": !(40..60).contains(&n),
            });
            let e = self.api.post_ok(&staff, "/api/v1/experts", body).await?;
            self.experts += 1;
            // expert1…3 at employer 0 (n = 0, 10, 20); expert4…8 at employers 1…5 (n = 1…5).
            let login = match n {
                0 => Some("expert1".to_string()),
                10 => Some("expert2".to_string()),
                20 => Some("expert3".to_string()),
                1..=5 => Some(format!("expert{}", n + 3)),
                _ => None,
            };
            if let Some(username) = login {
                let tok = self.t(&username).await?;
                let me = self.api.get_ok(&tok, "/api/v1/auth/me").await?;
                let id = e["id"].as_str().unwrap_or_default();
                let body = json!({"user_id": me["user_id"], "email": format!("{username}@demo.ggzy.example.cn")});
                let mut answer = (0, Value::Null);
                for () in patience() {
                    // The experts area learns the login from identity's event: retry until it has.
                    ggzy_store::outbox::seal_all(&self.ctx.db).await.ok();
                    answer = self
                        .api
                        .json(
                            Method::PUT,
                            &format!("/api/v1/experts/{id}/account"),
                            Some(&staff),
                            &body,
                        )
                        .await?;
                    if answer.0 == 200 || !(answer.0 == 404 || answer.0 == 422) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                if answer.0 != 200 {
                    bail!("link {username} to expert {id}: {} {}", answer.0, answer.1);
                }
                linked += 1;
            }
        }
        if linked != 8 {
            bail!("{linked} expert logins linked, expected 8");
        }
        let _ = login_orgs;
        Ok(())
    }
}
