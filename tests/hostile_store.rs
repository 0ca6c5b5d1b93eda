//! Hostile input, part 3: the audit log against every way SQL can write a row. Each write
//! path the store offers (REPLACE, INSERT OR REPLACE, UPSERT, INSERT OR IGNORE, UPDATE,
//! DELETE; on PostgreSQL also TRUNCATE, ON CONFLICT and `session_replication_role = replica`,
//! which skips ordinary triggers) is refused and leaves the log intact. What the owner of the
//! database can still do (drop the triggers, rewrite, recompute every hash) passes the chain
//! check but not an anchor kept outside the store.

#[macro_use]
mod common;

use common::{StoreKind, TempDir, TestApp, TestStore};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use sha2::{Digest, Sha256};

async fn app_with_entries(kind: StoreKind) -> Option<(TestStore, TestApp, TempDir)> {
    let store = TestStore::create(kind).await?;
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    app.scan_file("warehouse", &wh).await;
    let col = app.query_ok(r#"{ column(qualifiedName: "warehouse.main.customers.phone") { id } }"#, json!({})).await;
    for tag in ["reviewed", "gold"] {
        app.query_ok("mutation($id: ID!, $t: String!) { addTag(targetId: $id, tag: $t) }", json!({ "id": col["column"]["id"], "t": tag }))
            .await;
    }
    Some((store, app, dir))
}

/// Every column of an entry as SQL literals, for statements that write whole rows.
const ROW: &str = "'2020-01-01T00:00:00Z', 'iss', 'mallory', NULL, 'tag.add', '[]', NULL, NULL, NULL, 'x', 'y'";
const COLUMNS: &str = "at, actor_issuer, actor_subject, actor_name, action, targets, before, after, request_id, prev_hash, hash";

async fn rows(app: &TestApp) -> Vec<(i64, String, String)> {
    let db = app.state.catalog.connection();
    let rs = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT id, actor_subject, hash FROM audit_log ORDER BY id",
        ))
        .await
        .unwrap();
    rs.iter().map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap(), r.try_get_by_index(2).unwrap())).collect()
}

async fn every_write_path_is_refused(kind: StoreKind) {
    let Some((_store, app, _dir)) = app_with_entries(kind).await else { return };
    let before = rows(&app).await;
    assert_eq!(before.len(), 4, "source registration, scan and two tags");
    let db = app.state.catalog.connection();
    let mut attacks: Vec<String> = vec![
        "UPDATE audit_log SET actor_subject = 'mallory' WHERE id = 2".into(),
        "DELETE FROM audit_log WHERE id = 1".into(),
        "DELETE FROM audit_log".into(),
        format!("INSERT INTO audit_log (id, {COLUMNS}) VALUES (2, {ROW}) ON CONFLICT (id) DO UPDATE SET actor_subject = 'mallory'"),
        format!("INSERT INTO audit_log (id, {COLUMNS}) VALUES (1, {ROW}) ON CONFLICT (id) DO NOTHING"),
    ];
    match kind {
        StoreKind::Sqlite => attacks.extend([
            format!("REPLACE INTO audit_log (id, {COLUMNS}) VALUES (2, {ROW})"),
            format!("INSERT OR REPLACE INTO audit_log (id, {COLUMNS}) VALUES (3, {ROW})"),
            format!("INSERT OR IGNORE INTO audit_log (id, {COLUMNS}) VALUES (1, {ROW})"),
            // An entry slipped in below the newest one, where a deleted one was.
            format!("INSERT INTO audit_log (id, {COLUMNS}) VALUES (0, {ROW})"),
            "UPDATE OR REPLACE audit_log SET id = 1 WHERE id = 2".into(),
        ]),
        StoreKind::Postgres => attacks.extend(["TRUNCATE audit_log".into(), "TRUNCATE audit_log CASCADE".into()]),
    }
    for sql in &attacks {
        match db.execute_unprepared(sql).await {
            Err(err) => assert!(err.to_string().contains("append-only"), "{sql}: {err}"),
            // PostgreSQL's `ON CONFLICT DO NOTHING` fires no trigger: it may pass only when it
            // writes nothing (checked below with the rest).
            Ok(done) => assert!(sql.contains("DO NOTHING") && done.rows_affected() == 0, "{sql} was not refused"),
        }
    }
    if kind == StoreKind::Postgres {
        // Replica mode skips ordinary triggers; the audit trigger fires ALWAYS.
        let txn = db.begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL session_replication_role = replica").await.unwrap();
        let err = txn.execute_unprepared("UPDATE audit_log SET actor_subject = 'mallory'").await.expect_err("replica mode");
        assert!(err.to_string().contains("append-only"), "{err}");
        txn.rollback().await.unwrap();
        let txn = db.begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL session_replication_role = replica").await.unwrap();
        assert!(txn.execute_unprepared("DELETE FROM audit_log").await.is_err());
        txn.rollback().await.unwrap();
    }
    assert_eq!(rows(&app).await, before, "no write path changed the log");
    let v = almanac::audit::verify(app.state.catalog.connection()).await.unwrap();
    assert!(v.broken.is_none(), "{:?}", v.broken);
    assert_eq!(v.entries, 4);
    // The application still appends.
    let col = app.query_ok(r#"{ column(qualifiedName: "warehouse.main.customers.email") { id } }"#, json!({})).await;
    app.query_ok("mutation($id: ID!) { addTag(targetId: $id, tag: \"after\") }", json!({ "id": col["column"]["id"] })).await;
    assert_eq!(rows(&app).await.len(), 5);
}

/// The documented hash formula, as someone rewriting the log would apply it.
fn recomputed(prev: &str, fields: &[Option<String>]) -> String {
    let mut h = Sha256::new();
    h.update(b"almanac-audit-v1");
    h.update((prev.len() as u64).to_le_bytes());
    h.update(prev.as_bytes());
    for f in fields {
        match f {
            Some(v) => {
                h.update((v.len() as u64).to_le_bytes());
                h.update(v.as_bytes());
            }
            None => h.update(u64::MAX.to_le_bytes()),
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

async fn an_owner_rewriting_history_is_caught_by_an_anchor(kind: StoreKind) {
    let Some((store, app, _dir)) = app_with_entries(kind).await else { return };
    let verify = |anchor: Option<String>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_almanac"));
        c.args(["audit", "verify"]).env("ALMANAC_STORE", store.url()).env_remove("ALMANAC_CONFIG");
        if let Some(a) = anchor {
            c.args(["--anchor", &a]);
        }
        c.output().unwrap()
    };
    let ok = verify(None);
    let text = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(ok.status.success(), "{text}");
    // The anchor line, kept outside the store (a ticket, another system).
    let anchor = text.lines().find_map(|l| l.strip_prefix("anchor for later checks: --anchor ")).expect("anchor line").to_string();
    assert!(anchor.starts_with("4:"), "{anchor}");

    // The owner drops the guards, rewrites who acted in entry 2, and recomputes every hash.
    let db = app.state.catalog.connection();
    match kind {
        StoreKind::Sqlite => {
            for t in ["audit_log_no_update", "audit_log_no_delete", "audit_log_append_at_end"] {
                db.execute_unprepared(&format!("DROP TRIGGER {t}")).await.unwrap();
            }
        }
        StoreKind::Postgres => {
            db.execute_unprepared("DROP TRIGGER audit_log_append_only ON audit_log").await.unwrap();
        }
    }
    db.execute_unprepared("UPDATE audit_log SET actor_subject = 'mallory' WHERE id = 2").await.unwrap();
    let all = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT id, at, actor_issuer, actor_subject, actor_name, action, targets, before, after, request_id FROM audit_log ORDER BY id",
        ))
        .await
        .unwrap();
    let mut prev = almanac::audit::GENESIS.to_string();
    for r in &all {
        let id: i64 = r.try_get_by_index(0).unwrap();
        let fields: Vec<Option<String>> = (1..10).map(|i| r.try_get_by_index::<Option<String>>(i).unwrap()).collect();
        let hash = recomputed(&prev, &fields);
        db.execute_unprepared(&format!("UPDATE audit_log SET prev_hash = '{prev}', hash = '{hash}' WHERE id = {id}")).await.unwrap();
        prev = hash;
    }
    // The chain alone cannot tell ...
    assert!(verify(None).status.success(), "a consistently rewritten chain verifies");
    // ... the anchor can.
    let bad = verify(Some(anchor));
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(out.contains("BROKEN at entry 4") && out.contains("rewritten"), "{out}");
    // A log cut back below its anchor is caught too.
    db.execute_unprepared("DELETE FROM audit_log WHERE id = 4").await.unwrap();
    let cut = verify(Some(format!("4:{prev}")));
    assert_eq!(cut.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&cut.stdout).contains("is gone"));
}

on_both_stores!(every_write_path_is_refused, an_owner_rewriting_history_is_caught_by_an_anchor);
