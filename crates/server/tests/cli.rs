//! The `ggzy` binary's commands, run as a newcomer would (SQLite file in a temporary directory).
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use std::process::Command;

fn ggzy(url: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args(args)
        .env("GGZY_DATABASE_URL", url)
        .env_remove("GGZY_DEMO_PASSWORD")
        .output()
        .expect("run ggzy");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn migrate_demo_and_audit_verify_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/dir/ggzy.db");
    let url = format!("sqlite://{}", db.display());
    let (code, out) = ggzy(&url, &["migrate"]);
    assert_eq!(code, 0, "{out}");
    assert!(db.exists(), "the database file is created on first run");
    // Migrations are idempotent.
    assert_eq!(ggzy(&url, &["migrate"]).0, 0);

    let (code, out) = ggzy(&url, &["demo"]);
    assert_eq!(code, 0, "{out}");
    for user in [
        "admin",
        "staff",
        "tenderer",
        "agency",
        "bidder1",
        "bidder3",
        "expert1",
        "supervisor",
        "bank",
    ] {
        assert!(out.contains(user), "demo prints the {user} login: {out}");
    }
    // A second run leaves the data alone.
    let (_, out2) = ggzy(&url, &["demo"]);
    assert!(out2.contains("already has users"), "{out2}");

    let (code, out) = ggzy(&url, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain OK"), "{out}");

    // Tamper with one sealed event directly in the file.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = ggzy_store::Db::connect(&url, &Default::default())
            .await
            .unwrap();
        sqlx::query("UPDATE events SET actor = 'user:mallory' WHERE seq = 2")
            .execute(db.pool_for_write())
            .await
            .unwrap();
        db.close().await;
    });
    let (code, out) = ggzy(&url, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at seq 2"), "{out}");
}

#[test]
fn user_create_bootstraps_an_admin_and_refuses_a_short_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let (code, out) = ggzy(
        &url,
        &[
            "user",
            "create",
            "--username",
            "root",
            "--role",
            "admin",
            "--password",
            "a-long-password",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("created user root (admin)"));
    let (code, out) = ggzy(
        &url,
        &[
            "user",
            "create",
            "--username",
            "root2",
            "--role",
            "admin",
            "--password",
            "short",
        ],
    );
    assert_ne!(code, 0);
    assert!(out.contains("password"), "{out}");
}

#[test]
fn an_unsupported_database_url_is_refused_clearly() {
    let (code, out) = ggzy("mysql://x@y/z", &["migrate"]);
    assert_ne!(code, 0);
    assert!(out.contains("unsupported database URL"), "{out}");
}

#[test]
fn serve_help_lists_the_settings() {
    let (code, out) = ggzy("sqlite://unused.db", &["serve", "--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--database-url",
        "--listen",
        "--demo",
        "GGZY_DATABASE_URL",
        "GGZY_LISTEN",
        "127.0.0.1:8080",
    ] {
        assert!(out.contains(flag), "serve --help mentions {flag}");
    }
}
