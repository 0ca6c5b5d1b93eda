//! A data subject's footprint on real databases: Chinook on SQLite, PostgreSQL and MariaDB
//! (found by e-mail in another case and with blanks, by phone written another way, by a named
//! column), and a SQLite source with a three-level foreign-key chain and cycles. Expected
//! counts come from each engine's own SQL, written here by hand.

mod common;

use almanac::privacy::erasure::{footprint, Footprint, Reach, SubjectIdentifier};
use common::{
    almanac, almanac_with, chinook_dir, chinook_script, chinook_sqlite, open_app, scan_source, MyDatabase, PgDatabase, StoreKind, TempDir,
    TestStore,
};
use sqlx::Connection;

fn subjects(written: &[&str]) -> Vec<SubjectIdentifier> {
    written.iter().map(|w| SubjectIdentifier::parse(w).expect("subject")).collect()
}

/// (dataset, rows) of a footprint, datasets lower-cased without underscores so the three
/// engines' spellings of Chinook compare.
fn rows(f: &Footprint) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = f.datasets.iter().map(|d| (d.dataset.to_lowercase().replace('_', ""), d.rows)).collect();
    v.sort();
    v
}

/// Chinook's own counts for Leonie Köhler (customer 2): her invoices and their lines.
async fn expected_for_customer_2(count: impl AsyncFn(&str) -> i64, invoice: &str, line: &str, fk: &str, id: &str) -> Vec<(String, i64)> {
    let invoices = count(&format!("SELECT COUNT(*) FROM {invoice} WHERE {fk} = 2")).await;
    let lines = count(&format!("SELECT COUNT(*) FROM {line} WHERE {id} IN (SELECT {id} FROM {invoice} WHERE {fk} = 2)")).await;
    assert!(invoices > 0 && lines > invoices, "Chinook changed: {invoices} invoices, {lines} lines");
    vec![("customer".into(), 1), ("invoice".into(), invoices), ("invoiceline".into(), lines)]
}

/// Runs the Chinook footprints on one engine's copy, registered as source `name`.
async fn chinook_footprints(
    name: &str,
    url: &str,
    customer_column: &str,
    expected: Vec<(String, i64)>,
    all_rows: impl AsyncFn() -> Vec<String>,
) {
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let app = open_app(&store).await;
    scan_source(&app, name, url, None).await;

    // The classifier found the e-mail and phone columns; a scan only suggested them.
    let keys = footprint::identity_keys(app.catalog.connection(), app.catalog.source_by_name(name).await.unwrap().id).await.unwrap();
    let key_of = |table: &str, kind: footprint::KeyKind| {
        keys.iter()
            .find(|k| k.dataset.to_lowercase() == table && k.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} key on {table}: {keys:?}"))
    };
    assert!(!key_of("customer", footprint::KeyKind::Email).confirmed);
    key_of("customer", footprint::KeyKind::Phone);
    key_of("employee", footprint::KeyKind::Email);

    let find = |written: Vec<SubjectIdentifier>| {
        let app = &app;
        async move { footprint::find(&app.catalog, &app.config, name, &written).await.expect("footprint") }
    };
    // By e-mail, written in another case and with blanks.
    let by_email = find(subjects(&["email=  LeoneKohler@SurfEU.DE "])).await;
    assert_eq!(rows(&by_email), expected, "{by_email:#?}");
    let customer = by_email.datasets.iter().find(|d| d.dataset.to_lowercase() == "customer").unwrap();
    assert!(matches!(&customer.reached_by[..], [Reach::IdentityKey { kind, confirmed: false, .. }] if kind == "email"), "{customer:?}");
    let lines = by_email.datasets.iter().find(|d| d.dataset.to_lowercase().replace('_', "") == "invoiceline").unwrap();
    assert!(matches!(&lines.reached_by[..], [Reach::ForeignKey { depth: 2, .. }]), "{lines:?}");

    // By phone: Chinook stores `+49 0711 2842222`; the request gives the number another way.
    let by_phone = find(subjects(&["phone=0049 711 2842222"])).await;
    assert_eq!(rows(&by_phone), expected, "{by_phone:#?}");

    // By a named column, and by two identifiers of the same person: each row counts once.
    let named = format!("{name}.{customer_column}=2");
    assert_eq!(rows(&find(subjects(&[&named])).await), expected);
    assert_eq!(rows(&find(subjects(&[&named, "email=leonekohler@surfeu.de"])).await), expected);

    // Nobody, and identifiers full of SQL and quotes: nothing found, nothing broken.
    for nobody in [
        "email=nobody@example.org",
        "email=o'brien\");DROP/**/TABLE/**/customer;--@x.org",
        "national_id=' OR '1'='1",
        "phone=+1 202 555 0143",
    ] {
        let f = find(subjects(&[nobody])).await;
        assert!(f.datasets.is_empty(), "{nobody}: {f:#?}");
    }
    assert_eq!(rows(&find(subjects(&["email=  LeoneKohler@SurfEU.DE "])).await), expected, "the source changed");

    // A named column the source does not have is an error that does not repeat the value.
    let missing = format!("{name}.main.nothing_here.id=secret-value");
    let err = footprint::find(&app.catalog, &app.config, name, &subjects(&[&missing])).await.unwrap_err().to_string();
    assert!(err.contains("nothing_here") && !err.contains("secret-value"), "{err}");

    // Erased: her customer row, invoices and invoice lines gone, every other row of every
    // table as it was, nothing of hers found afterwards.
    use almanac::privacy::erasure::{execute, request, RequestKind, RequestStatus};
    let before = all_rows().await;
    let now = chrono::Utc::now();
    let subject = subjects(&["email=leonekohler@surfeu.de"]);
    let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &subject, "alice", now).await.unwrap();
    let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
    request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap();
    let done = execute::execute(&app.catalog, &app.config, r.id, now).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    let after = all_rows().await;
    let gone = before.iter().filter(|r| !after.contains(*r)).count() as i64;
    assert_eq!(gone, expected.iter().map(|e| e.1).sum::<i64>());
    assert_eq!(after.len() as i64, before.len() as i64 - gone, "no row changed or came");
    assert!(find(subjects(&["email=leonekohler@surfeu.de"])).await.datasets.is_empty());
    // The space her rows held is reclaimed the engine's way (VACUUM FULL, OPTIMIZE TABLE,
    // VACUUM), and the report says so.
    let compacted = execute::compact(&app.catalog, &app.config, r.id, true, now).await.unwrap();
    assert!(matches!(&compacted[..], [c] if c.source == name && !c.statements.is_empty()), "{compacted:?}");
    let report = execute::report(&app.catalog, r.id).await.unwrap();
    let done = report["physical_copies"][0]["done"].as_str().unwrap().to_string();
    assert!(done.contains("VACUUM") || done.contains("OPTIMIZE TABLE"), "{done}");

    // With policies. François Tremblay's invoices are kept with their personal columns
    // anonymised and their amounts kept; his customer row, which they reference through a
    // column that cannot be NULL, is kept anonymised too, and the lines with their invoices.
    use almanac::privacy::erasure::policy::{self, Ground, Hold, Policy, PolicyAction, Strategy};
    let francois = subjects(&["email=FTremblay@gmail.com"]);
    let found = find(francois.clone()).await;
    let qualified = |table: &str| {
        let d = found.datasets.iter().find(|d| d.dataset.to_lowercase().replace('_', "") == table).expect(table);
        almanac::catalog::names::QualifiedName::dataset(name, &d.namespace, &d.dataset).to_string()
    };
    let (invoice, customer, lines) = (qualified("invoice"), qualified("customer"), qualified("invoiceline"));
    let invoices_of_francois = found.datasets.iter().find(|d| d.dataset.to_lowercase() == "invoice").unwrap().rows;
    let policy_of = |action, columns: Vec<(String, Strategy)>, hold| Policy {
        action,
        columns: columns.into_iter().collect(),
        hold,
        reason: Some("tax law keeps the amounts".into()),
    };
    policy::set(&app.catalog, &invoice, Some(policy_of(PolicyAction::Anonymize, Vec::new(), None)), now).await.unwrap();
    // A strategy the live schema refuses leaves the column unhandled: no approval.
    let email = key_of("customer", footprint::KeyKind::Email).column.clone();
    let null_email = policy_of(PolicyAction::Anonymize, vec![(email.clone(), Strategy::Null)], None);
    policy::set(&app.catalog, &customer, Some(null_email), now).await.unwrap();
    let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &francois, "alice", now).await.unwrap();
    let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
    let unhandled: Vec<_> = plan.coverage.iter().filter(|c| !c.handled).collect();
    assert!(matches!(&unhandled[..], [c] if c.column == email && c.handling.contains("cannot be NULL")), "{:#?}", plan.coverage);
    let err = request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap_err().to_string();
    assert!(err.contains("unhandled") && err.contains(&email), "{err}");
    // Without a policy of its own, the customer row is kept because its invoices are.
    policy::set(&app.catalog, &customer, None, now).await.unwrap();
    let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
    let steps: Vec<(&str, &str)> = plan.steps.iter().map(|s| (s.dataset.as_str(), s.action.as_str())).collect();
    assert_eq!(steps, [(lines.as_str(), "anonymize"), (invoice.as_str(), "anonymize"), (customer.as_str(), "anonymize")], "{plan:#?}");
    assert!(plan.coverage.iter().all(|c| c.handled), "{:#?}", plan.coverage);
    assert!(plan.steps[2].policy.starts_with("kept"), "{:?}", plan.steps[2]);
    assert!(plan.steps[1].policy.contains("v1"), "{:?}", plan.steps[1]);
    let email_step = plan.steps[2].anonymize.iter().find(|a| a.column == email).expect("e-mail anonymised");
    assert_eq!((&email_step.with, email_step.effect.as_str()), (&Strategy::Fake, "anonymises"), "NOT NULL: a fake value");
    assert!(!plan.steps[1].anonymize.is_empty(), "the billing address is personal: {:?}", plan.steps[1]);
    let before = all_rows().await;
    request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap();
    let done = execute::execute(&app.catalog, &app.config, r.id, now).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    let after = all_rows().await;
    assert_eq!(after.len(), before.len(), "nothing deleted");
    let old: Vec<&String> = before.iter().filter(|r| !after.contains(*r)).collect();
    let new: Vec<&String> = after.iter().filter(|r| !before.contains(*r)).collect();
    assert_eq!(old.len() as i64, 1 + invoices_of_francois, "his customer row and invoices changed, nothing else: {old:?}");
    assert_eq!(new.len(), old.len());
    assert!(
        old.iter().any(|r| r.contains("ftremblay@gmail.com")) && !after.iter().any(|r| r.to_lowercase().contains("tremblay")),
        "{new:?}"
    );
    // The amounts (the last column of an invoice) and the customer's support rep are as they were.
    let last = |r: &&String| -> String {
        let table = r.split('|').next().unwrap_or_default().to_string();
        let tail = r.trim_end_matches(')').rsplit(['|', ',']).next().unwrap_or_default().to_string();
        format!("{table}:{tail}")
    };
    let (mut a, mut b): (Vec<String>, Vec<String>) = (old.iter().map(last).collect(), new.iter().map(last).collect());
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert!(find(francois.clone()).await.datasets.is_empty(), "nothing matches him any more");

    // A legal hold: Bjørn Hansen's invoices are kept as they are until the end of 2030 (and
    // with them his customer row and the lines); his request is held, then, once the hold has
    // ended, planned again and erased.
    let hold = Hold {
        ground: Ground::LegalObligation,
        statute: "tax code: invoices are kept ten years".into(),
        until: "2030-12-31".parse().unwrap(),
    };
    policy::set(&app.catalog, &invoice, Some(policy_of(PolicyAction::Retain, Vec::new(), Some(hold.clone()))), now).await.unwrap();
    let bjorn = subjects(&["email=bjorn.hansen@yahoo.no"]);
    let held_rows: i64 = find(bjorn.clone()).await.datasets.iter().map(|d| d.rows).sum();
    let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &bjorn, "alice", now).await.unwrap();
    let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
    assert!(plan.steps.iter().all(|s| s.action == "retain" && s.hold.as_ref() == Some(&hold)), "{plan:#?}");
    let before = all_rows().await;
    request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap();
    let held = execute::execute(&app.catalog, &app.config, r.id, now).await.unwrap();
    assert_eq!(held.status, RequestStatus::Held);
    assert_eq!(held.hold_until.map(|d| d.date_naive().to_string()).as_deref(), Some("2031-01-01"));
    assert_eq!(all_rows().await, before, "held rows stay as they were");
    let report = execute::report(&app.catalog, r.id).await.unwrap();
    let retained: i64 = report["retained"].as_array().unwrap().iter().map(|h| h["rows"].as_i64().unwrap()).sum();
    assert_eq!(retained, held_rows, "{report:#}");
    assert!(report["retained"][0]["ground"] == "Art. 17(3)(b)" && report["retained"][0]["restricted"] == true, "{report:#}");
    let soon =
        request::open_requests(&app.catalog, Some(chrono::Duration::days(1)), "2031-01-01T12:00:00Z".parse().unwrap()).await.unwrap();
    assert!(soon.iter().any(|o| o.id == r.id), "listed when its hold ends");
    let later: chrono::DateTime<chrono::Utc> = "2031-01-02T09:00:00Z".parse().unwrap();
    let plan = request::plan(&app.catalog, &app.config, r.id, later).await.unwrap();
    assert!(plan.steps.iter().all(|s| s.action == "delete"), "the hold ended: {plan:#?}");
    request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", later).await.unwrap();
    let done = execute::execute(&app.catalog, &app.config, r.id, later).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    assert_eq!(all_rows().await.len() as i64, before.len() as i64 - held_rows);
    assert!(find(bjorn).await.datasets.is_empty());

    // Employees: the customers Jane supports, and the employees who report to Nancy, are other
    // people; their integer references are set to NULL (a typed NULL would not do on
    // PostgreSQL; a table referencing itself on MariaDB), their rows kept, and her row deleted.
    for (who, referencing) in [("email=Jane@ChinookCorp.com", "customer"), ("email=nancy@chinookcorp.com", "employee")] {
        let employee = subjects(&[who]);
        let before = all_rows().await;
        let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &employee, "alice", now).await.unwrap();
        let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
        let actions: Vec<(&str, String)> = plan.steps.iter().map(|s| (s.action.as_str(), s.table.to_lowercase())).collect();
        assert_eq!(actions, [("unlink", referencing.to_string()), ("delete", "employee".into())], "{plan:#?}");
        request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap();
        assert_eq!(execute::execute(&app.catalog, &app.config, r.id, now).await.unwrap().status, RequestStatus::Completed);
        let after = all_rows().await;
        assert_eq!(after.len(), before.len() - 1, "only her row deleted");
        let changed = before.iter().filter(|r| !after.contains(*r)).count() as i64;
        assert!(
            plan.steps[0].rows > 0 && changed == 1 + plan.steps[0].rows,
            "her row gone, the rows referencing her changed, nothing else"
        );
        assert!(find(employee).await.datasets.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinook_footprint_on_sqlite() {
    let Some(chinook) = chinook_dir() else { return };
    let dir = TempDir::new();
    let url = chinook_sqlite(&chinook, dir.path());
    let path = url.trim_start_matches("sqlite://").to_string();
    let count = async |sql: &str| {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await.unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut c).await.unwrap();
        n
    };
    let expected = expected_for_customer_2(count, "Invoice", "InvoiceLine", "CustomerId", "InvoiceId").await;
    let rows_path = std::path::PathBuf::from(&path);
    chinook_footprints("chinook", &url, "main.Customer.CustomerId", expected, async || sqlite_rows(&rows_path).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinook_footprint_on_postgres() {
    let Some(chinook) = chinook_dir() else { return };
    let Some(pg) = PgDatabase::create().await else { return };
    pg.execute(&chinook_script(&chinook, "Chinook_PostgreSql.sql")).await;
    let count = async |sql: &str| {
        let mut c = pg.connect().await;
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut c).await.unwrap();
        n
    };
    let expected = expected_for_customer_2(count, "invoice", "invoice_line", "customer_id", "invoice_id").await;
    let all_rows = async || {
        let mut c = pg.connect().await;
        let tables: Vec<String> = sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .fetch_all(&mut c)
            .await
            .unwrap();
        let mut rows = Vec::new();
        for t in tables {
            let sql = format!("SELECT '{t}|' || x::text FROM \"{t}\" x");
            rows.extend(sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch_all(&mut c).await.unwrap());
        }
        rows
    };
    chinook_footprints("chinook_pg", &pg.url, "public.customer.customer_id", expected, all_rows).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinook_footprint_on_mariadb() {
    let Some(chinook) = chinook_dir() else { return };
    let Some(my) = MyDatabase::create().await else { return };
    my.execute(&chinook_script(&chinook, "Chinook_MySql.sql")).await;
    let count = async |sql: &str| {
        let mut c = sqlx::MySqlConnection::connect(&my.url).await.unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut c).await.unwrap();
        n
    };
    let expected = expected_for_customer_2(count, "Invoice", "InvoiceLine", "CustomerId", "InvoiceId").await;
    let customer_column = format!("{}.Customer.CustomerId", my.name);
    let all_rows = async || {
        let mut c = sqlx::MySqlConnection::connect(&my.url).await.unwrap();
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1")
                .fetch_all(&mut c)
                .await
                .unwrap();
        let mut rows = Vec::new();
        for t in tables {
            let columns: String = sqlx::query_scalar(
                "SELECT CAST(GROUP_CONCAT(CONCAT('IFNULL(CAST(`', column_name, '` AS CHAR), ''~'')') ORDER BY ordinal_position SEPARATOR ',') AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?",
            )
            .bind(&t)
            .fetch_one(&mut c)
            .await
            .unwrap();
            let sql = format!("SELECT CAST(CONCAT_WS('|', '{t}', {columns}) AS CHAR) FROM `{t}`");
            rows.extend(sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch_all(&mut c).await.unwrap());
        }
        rows
    };
    chinook_footprints("chinook_my", &my.url, &customer_column, expected, all_rows).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_key_chains_shared_rows_and_cycles() {
    let dir = TempDir::new();
    let path = dir.path().join("crm.sqlite");
    let url = format!("sqlite://{}", path.display());
    {
        let mut c = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc")).await.unwrap();
        let mut sql = String::from(
            "CREATE TABLE team (id INTEGER PRIMARY KEY, lead_id INTEGER REFERENCES person(id));
             CREATE TABLE person (id INTEGER PRIMARY KEY, email TEXT, referrer_id INTEGER REFERENCES person(id), team_id INTEGER REFERENCES team(id));
             CREATE TABLE account (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(id));
             CREATE TABLE \"order\" (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES account(id));
             CREATE TABLE line (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES \"order\"(id), part_of INTEGER REFERENCES line(id), sku TEXT);
             CREATE VIEW person_contacts AS SELECT id, email FROM person;
             INSERT INTO team VALUES (1, NULL);\n",
        );
        // Person p was referred by person p-1; each has one account with two orders of three
        // lines. Line 1900 (person 19's) has a chain of 10 parts, each part of the one before.
        for p in 1..=20 {
            let referrer = if p > 1 { (p - 1).to_string() } else { "NULL".into() };
            sql.push_str(&format!("INSERT INTO person VALUES ({p}, 'person{p}@example.org', {referrer}, 1);\n"));
            sql.push_str(&format!("INSERT INTO account VALUES ({p}, {p});\n"));
            for o in 0..2 {
                let order = p * 10 + o;
                sql.push_str(&format!("INSERT INTO \"order\" VALUES ({order}, {p});\n"));
                for l in 0..3 {
                    sql.push_str(&format!("INSERT INTO line VALUES ({}, {order}, NULL, 'sku');\n", order * 10 + l));
                }
            }
        }
        for part in 1..=10 {
            sql.push_str(&format!(
                "INSERT INTO line VALUES ({}, NULL, {}, 'part');\n",
                5000 + part,
                if part == 1 { 1900 } else { 5000 + part - 1 }
            ));
        }
        // Person 21 has no e-mail (an empty identity key) and was referred by person 17.
        sql.push_str("INSERT INTO person VALUES (21, NULL, 17, NULL);\n");
        sql.push_str("UPDATE team SET lead_id = 1;");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let app = open_app(&store).await;
    scan_source(&app, "crm", &url, None).await;
    let rows_of = |f: &Footprint| f.datasets.iter().map(|d| (d.dataset.clone(), d.rows, d.shared_rows)).collect::<Vec<_>>();

    // Person 19, found by e-mail: their account, orders and lines (three keys down), the
    // parts of their line (the same key followed again, up to the depth bound: 8 keys from
    // the person, so 5 of the 10 parts, the rest reported); person 20, whom they referred, is
    // someone else: a shared row, not followed further.
    let f = footprint::find(&app.catalog, &app.config, "crm", &subjects(&["email=Person19@example.org"])).await.expect("footprint");
    let depth_bound = footprint::MAX_DEPTH as i64 - 3;
    let want = vec![("account".to_string(), 1, 0), ("line".into(), 6 + depth_bound, 0), ("order".into(), 2, 0), ("person".into(), 1, 1)];
    // (The view shows person rows; it holds none of its own and is not in the footprint.)
    assert_eq!(rows_of(&f), want, "{f:#?}");
    assert!(
        f.identity_keys.iter().any(|k| k.dataset == "person_contacts"),
        "the view's e-mail column is classified: {:?}",
        f.identity_keys
    );
    let line = f.datasets.iter().find(|d| d.dataset == "line").unwrap();
    assert!(line.reached_by.iter().any(|r| matches!(r, Reach::ForeignKey { depth: 3, .. })), "{line:?}");
    assert!(f.cut.iter().any(|c| c.starts_with("main.line (part_of): not followed beyond 8")), "{:?}", f.cut);
    let person = f.datasets.iter().find(|d| d.dataset == "person").unwrap();
    assert!(
        person.shared_nullable && matches!(&person.shared_by[..], [Reach::ForeignKey { columns, .. }] if columns == &["referrer_id"]),
        "{person:?}"
    );

    // Person 1 leads the team every person belongs to: the team row is theirs; the other 19
    // members are shared rows (through team_id, and person 2 also through referrer_id).
    let f = footprint::find(&app.catalog, &app.config, "crm", &subjects(&["email=person1@example.org"])).await.expect("footprint");
    let person = f.datasets.iter().find(|d| d.dataset == "person").unwrap();
    assert_eq!((person.rows, person.shared_rows), (1, 19), "{f:#?}");
    assert!(f.datasets.iter().any(|d| d.dataset == "team" && d.rows == 1), "{f:#?}");

    // For person 19, the parts beyond the depth bound would still reference rows to delete:
    // the plan carries a manual task, execution refuses, and every row is as it was.
    use almanac::privacy::erasure::{execute, request, RequestKind, RequestStatus};
    let before = sqlite_rows(&path).await;
    let now = chrono::Utc::now();
    let approved = async |who: &str| {
        let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &subjects(&[who]), "alice", now).await.unwrap();
        let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
        request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap();
        (r.id, plan)
    };
    let (id, _) = approved("email=person19@example.org").await;
    let err = execute::execute(&app.catalog, &app.config, id, now).await.unwrap_err().to_string();
    assert!(err.contains("manual task"), "{err}");
    assert_eq!(sqlite_rows(&path).await, before);

    // Person 17: the references from persons 18 and 21 (whom they referred; 21 has no e-mail,
    // and is someone else all the same) are removed first, then their rows are deleted lines
    // first; every other row is as it was.
    let (id, plan) = approved("email=person17@example.org").await;
    let actions: Vec<(&str, &str, i64)> = plan.steps.iter().map(|s| (s.action.as_str(), s.table.as_str(), s.rows)).collect();
    assert_eq!(
        actions,
        vec![("unlink", "person", 2), ("delete", "line", 6), ("delete", "order", 2), ("delete", "account", 1), ("delete", "person", 1)]
    );
    let done = execute::execute(&app.catalog, &app.config, id, now).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    let after = sqlite_rows(&path).await;
    let gone: Vec<&String> = before.iter().filter(|r| !after.contains(*r)).collect();
    let came: Vec<&String> = after.iter().filter(|r| !before.contains(*r)).collect();
    assert_eq!(gone.len(), 1 + 1 + 2 + 6 + 2, "{gone:?}");
    assert!(gone.iter().all(|r| r.contains("17") || r.starts_with("person|18|") || r.starts_with("person|21|")), "{gone:?}");
    assert_eq!(came, vec!["person|18|person18@example.org||1", "person|21|||"], "persons 18 and 21 keep their rows without the referrer");
    // Verified and closed: nothing left, and the identifiers no longer held.
    let report = execute::report(&app.catalog, id).await.unwrap();
    assert!(report["verification"].as_array().unwrap().iter().all(|v| v["remaining"] == 0), "{report:#}");
    let err = request::plan(&app.catalog, &app.config, id, now).await.unwrap_err().to_string();
    assert!(err.contains("completed"), "{err}");

    // Person 1 leads the team they belong to: a cycle (team.lead_id -> person, person.team_id
    // -> team). The other members are unlinked, person 1's own reference to the team is set to
    // NULL first, then the team row goes before person 1.
    let before = sqlite_rows(&path).await;
    let (id, plan) = approved("email=person1@example.org").await;
    let actions: Vec<(&str, &str)> = plan.steps.iter().map(|s| (s.action.as_str(), s.table.as_str())).collect();
    assert_eq!(&actions[..2], [("unlink", "person"), ("detach", "person")], "{plan:#?}");
    assert_eq!(plan.steps[1].columns, ["team_id"]);
    let position = |table: &str| actions.iter().position(|a| *a == ("delete", table)).unwrap_or_else(|| panic!("{actions:?}"));
    assert!(position("team") < position("person"), "{actions:?}");
    let done = execute::execute(&app.catalog, &app.config, id, now).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    let after = sqlite_rows(&path).await;
    assert!(!after.iter().any(|r| r.starts_with("team|") || r.starts_with("person|1|")), "{after:?}");
    let persons = |rows: &[String]| rows.iter().filter(|r| r.starts_with("person|")).count();
    assert_eq!(persons(&after), persons(&before) - 1, "only person 1 deleted");
    assert!(after.iter().filter(|r| r.starts_with("person|")).all(|r| r.ends_with('|')), "no member references the team: {after:?}");
}

/// Every row of every table of a SQLite file, as `table|v1|v2|...`.
async fn sqlite_rows(path: &std::path::Path) -> Vec<String> {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(&mut c)
            .await
            .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let sql = format!("SELECT * FROM \"{t}\"");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut c).await.unwrap() {
            use sqlx::{Row, ValueRef};
            let mut text = t.clone();
            for i in 0..row.columns().len() {
                let raw = row.try_get_raw(i).unwrap();
                let v = if raw.is_null() {
                    String::new()
                } else {
                    row.try_get::<String, _>(i)
                        .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                        .or_else(|_| row.try_get::<f64, _>(i).map(|n| n.to_string()))
                        .unwrap_or_else(|_| "<blob>".into())
                };
                text.push('|');
                text.push_str(&v);
            }
            out.push(text);
        }
    }
    c.close().await.unwrap();
    out
}

/// Runs `erasure execute ID` with a crash point set, and checks the process died there.
fn killed_while_executing(store: &str, id: &str, variable: &str, after: &str) {
    let killed = almanac_with(store, &["erasure", "execute", id], &[(variable, after)]);
    assert!(!killed.status.success(), "the hook did not stop the run");
    assert!(String::from_utf8_lossy(&killed.stderr).contains(variable), "{}", String::from_utf8_lossy(&killed.stderr));
}

fn ok_json(o: std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn refused(o: std::process::Output) -> String {
    assert!(!o.status.success(), "accepted: {}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_request_is_created_planned_and_approved_by_another_person() {
    let Some(chinook) = chinook_dir() else { return };
    let dir = TempDir::new();
    let url = chinook_sqlite(&chinook, dir.path());
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let scanned = almanac(&store, &["scan", &url, "--name", "chinook"]);
    assert!(scanned.status.success(), "{}", String::from_utf8_lossy(&scanned.stderr));

    // Access first (Art. 15): her rows by dataset, with the categories of their columns.
    let export = ok_json(almanac(&store, &["access", "export", "--subject", "email=LEONEKOHLER@surfeu.de", "--format", "json"]));
    let by_name: std::collections::HashMap<&str, &serde_json::Value> =
        export["datasets"].as_array().unwrap().iter().map(|d| (d["dataset"].as_str().unwrap(), d)).collect();
    let customer = by_name["chinook.main.Customer"];
    assert_eq!(customer["rows"][0]["FirstName"], "Leonie", "{export:#}");
    assert_eq!(customer["rows"][0]["Email"], "leonekohler@surfeu.de");
    assert!(customer["categories"]["Email"].as_array().unwrap().iter().any(|c| c == "user.contact.email"), "{customer:#}");
    assert_eq!(by_name["chinook.main.Invoice"]["rows"].as_array().unwrap().len(), 7);
    assert_eq!(by_name["chinook.main.InvoiceLine"]["rows"].as_array().unwrap().len(), 38);
    let log = String::from_utf8_lossy(&almanac(&store, &["audit", "log", "--format", "json", "--action", "personal_data.read"]).stdout)
        .into_owned();
    assert!(log.contains("access_request") && !log.to_lowercase().contains("leonekohler"), "{log}");
    // The same as a stored request with a due date: listed while open, fulfilled once (then
    // completed and its identifiers dropped), never planned as an erasure.
    let access = ok_json(almanac(
        &store,
        &["access", "create", "--subject", "email=leonekohler@surfeu.de", "--requester", "alice", "--format", "json"],
    ));
    let access = access["id"].as_i64().unwrap().to_string();
    let listed = ok_json(almanac(&store, &["erasure", "list", "--format", "json"]));
    assert_eq!((listed[0]["id"].to_string(), listed[0]["kind"].as_str()), (access.clone(), Some("access")), "{listed:#}");
    let err = refused(almanac(&store, &["erasure", "plan", &access]));
    assert!(err.contains("access request"), "{err}");
    let fulfilled = ok_json(almanac(&store, &["access", "export", "--request", &access, "--format", "json"]));
    assert_eq!(fulfilled["datasets"].as_array().unwrap().len(), 3, "{fulfilled:#}");
    let shown = ok_json(almanac(&store, &["erasure", "show", &access, "--format", "json"]));
    assert_eq!(shown["request"]["status"], "completed");
    let err = refused(almanac(&store, &["access", "export", "--request", &access]));
    assert!(err.contains("completed"), "{err}");

    let created = ok_json(almanac(
        &store,
        &["erasure", "create", "--subject", "email=  LeoneKohler@SurfEU.de ", "--requester", "alice", "--format", "json"],
    ));
    let id = created["id"].as_i64().expect("id").to_string();
    let due = chrono::DateTime::parse_from_rfc3339(created["due"].as_str().expect("due")).expect("due date");
    let days = (due.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
    assert!((27..=31).contains(&days), "due in {days} days");

    let plan = ok_json(almanac(&store, &["erasure", "plan", &id, "--format", "json"]));
    let steps: Vec<(String, String, i64)> = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| (s["dataset"].as_str().unwrap().to_string(), s["action"].as_str().unwrap().to_string(), s["rows"].as_i64().unwrap()))
        .collect();
    // Lines before invoices before the customer: nothing deleted is still referenced.
    let names: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["chinook.main.InvoiceLine", "chinook.main.Invoice", "chinook.main.Customer"], "{plan:#}");
    assert!(steps.iter().all(|s| s.1 == "delete" && s.2 > 0), "{steps:?}");
    assert_eq!(steps[2].2, 1);
    // Each step's exact statements, with parameters shown and the subject's identifiers not.
    let statements = plan["steps"][2]["statements"].as_array().expect("statements");
    let (select, delete) = (&statements[0], &statements[1]);
    assert!(select["sql"].as_str().unwrap().contains("LOWER(TRIM(\"Email\"))"), "{plan:#}");
    assert_eq!(select["parameters"], serde_json::json!(["<the subject's identifier>"]), "{plan:#}");
    assert!(delete["sql"].as_str().unwrap().starts_with("DELETE FROM \"main\".\"Customer\""), "{plan:#}");
    assert!(!plan.to_string().to_lowercase().contains("leonekohler"), "{plan:#}");
    assert!(plan["steps"][2]["uses_suggested_keys"].as_bool().unwrap(), "a scan's suggestion is shown as such");
    let hash = plan["plan_hash"].as_str().expect("plan hash").to_string();
    assert_eq!(hash.len(), 64);
    // Planning again over unchanged sources gives the same plan and hash.
    assert_eq!(ok_json(almanac(&store, &["erasure", "plan", &id, "--format", "json"]))["plan_hash"], plan["plan_hash"]);

    // Four eyes: the creator cannot approve; nobody can approve another plan than the current.
    let err = refused(almanac(&store, &["erasure", "approve", &id, "--plan-hash", &hash, "--approver", "alice"]));
    assert!(err.contains("four eyes"), "{err}");
    let other = "0".repeat(64);
    let err = refused(almanac(&store, &["erasure", "approve", &id, "--plan-hash", &other, "--approver", "bob"]));
    assert!(err.contains("not request"), "{err}");
    let approved = ok_json(almanac(&store, &["erasure", "approve", &id, "--plan-hash", &hash, "--approver", "bob", "--format", "json"]));
    assert_eq!((approved["status"].as_str(), approved["approved_by"].as_str()), (Some("approved"), Some("bob")));
    let err = refused(almanac(&store, &["erasure", "approve", &id, "--plan-hash", &hash, "--approver", "carol"]));
    assert!(err.contains("is approved"), "{err}");

    // Planning again withdraws the approval: what is approved is always the plan shown.
    ok_json(almanac(&store, &["erasure", "plan", &id, "--format", "json"]));
    let shown = ok_json(almanac(&store, &["erasure", "show", &id, "--format", "json"]));
    assert_eq!(shown["request"]["status"], "planned");
    assert!(shown["request"]["approved_by"].is_null());

    // Approved again, executed by a process killed after its second statement: the source's
    // transaction dies with it and nothing changes. Run again, it resumes and completes.
    let before = sqlite_rows(std::path::Path::new(url.trim_start_matches("sqlite://"))).await;
    let plan = ok_json(almanac(&store, &["erasure", "show", &id, "--format", "json"]))["plan"].clone();
    let hash = plan["plan_hash"].as_str().unwrap().to_string();
    ok_json(almanac(&store, &["erasure", "approve", &id, "--plan-hash", &hash, "--approver", "bob", "--format", "json"]));
    killed_while_executing(&store, &id, "ALMANAC_TEST_ABORT_AFTER_STATEMENTS", "2");
    assert_eq!(sqlite_rows(std::path::Path::new(url.trim_start_matches("sqlite://"))).await, before, "a killed run changed the source");
    let shown = ok_json(almanac(&store, &["erasure", "show", &id, "--format", "json"]));
    assert_eq!(shown["request"]["status"], "executing");
    let resumed = ok_json(almanac(&store, &["erasure", "execute", &id, "--format", "json"]));
    assert_eq!(resumed["request"]["status"], "completed", "{resumed:#}");
    let after = sqlite_rows(std::path::Path::new(url.trim_start_matches("sqlite://"))).await;
    let gone: Vec<&String> = before.iter().filter(|r| !after.contains(*r)).collect();
    assert_eq!(gone.len() as i64, steps.iter().map(|s| s.2).sum::<i64>(), "{gone:?}");
    assert_eq!(after.len(), before.len() - gone.len(), "no row changed or came");

    // The report: each step once, verification at zero, and where deleted data still lies.
    let report = ok_json(almanac(&store, &["erasure", "report", &id, "--format", "json"]));
    assert_eq!(report["status"], "completed");
    let done = report["execution"]["chinook"][0]["steps"].as_array().expect("executed steps");
    assert_eq!(done.len(), 3, "{report:#}");
    assert!(report["verification"].as_array().unwrap().iter().all(|v| v["remaining"] == 0), "{report:#}");
    assert!(report["physical_copies"][0]["physical_copies"].as_str().unwrap().contains("VACUUM"));
    let html = almanac(&store, &["erasure", "report", &id, "--format", "html"]);
    let html = String::from_utf8_lossy(&html.stdout).into_owned();
    assert!(html.starts_with("<!doctype html>") && html.contains("chinook.main.InvoiceLine") && html.contains("completed"), "{html}");
    let err = refused(almanac(&store, &["erasure", "execute", &id]));
    assert!(err.contains("is completed"), "{err}");
    // Her deleted rows still lie in the source file's free pages until it is compacted; after
    // `erasure compact`, the file holds nothing of her.
    let compacted = almanac(&store, &["erasure", "compact", &id]);
    assert!(String::from_utf8_lossy(&compacted.stdout).contains("chinook: VACUUM"), "{}", String::from_utf8_lossy(&compacted.stderr));
    let bytes = std::fs::read(url.trim_start_matches("sqlite://")).unwrap().to_ascii_lowercase();
    assert!(!bytes.windows(11).any(|w| w == b"leonekohler"), "the source file still holds her e-mail");
    let report = ok_json(almanac(&store, &["erasure", "report", &id, "--format", "json"]));
    assert!(report["physical_copies"][0]["done"].as_str().unwrap().starts_with("VACUUM at "), "{report:#}");

    // A restored backup brings her back: the next scan recognises the erased e-mail by its
    // keyed hash (the suppression list) and records where, on her request, never the value.
    {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("INSERT INTO Customer (CustomerId, FirstName, LastName, Email, SupportRepId) VALUES (2, 'Leonie', 'Köhler', ' LeoneKohler@surfeu.de', 5)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let rescanned = almanac(&store, &["scan", &url, "--name", "chinook"]);
    assert!(rescanned.status.success(), "{}", String::from_utf8_lossy(&rescanned.stderr));
    let warned = String::from_utf8_lossy(&rescanned.stderr).into_owned();
    assert!(warned.contains(&format!("erased by request req_{id}")) && !warned.to_lowercase().contains("leonekohler"), "{warned}");
    let report = ok_json(almanac(&store, &["erasure", "report", &id, "--format", "json"]));
    let back = &report["reappearances"][0];
    assert_eq!((back["dataset"].as_str(), back["column"].as_str()), (Some("chinook.main.Customer"), Some("Email")), "{report:#}");
    assert_eq!(report["status"], "completed");
    let log =
        String::from_utf8_lossy(&almanac(&store, &["audit", "log", "--format", "json", "--action", "privacy_request.reappeared"]).stdout)
            .into_owned();
    assert!(log.contains(&format!("req_{id}")) && !log.to_lowercase().contains("leonekohler"), "{log}");
    {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM Customer WHERE CustomerId = 2").execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }

    // Killed between the source's commit and the journal's: the resumed run finds the rows
    // gone, records the source as applied (once), and completes.
    let created = ok_json(almanac(
        &store,
        &["erasure", "create", "--subject", "email=ftremblay@gmail.com", "--requester", "alice", "--format", "json"],
    ));
    let second = created["id"].as_i64().unwrap().to_string();
    let plan = ok_json(almanac(&store, &["erasure", "plan", &second, "--format", "json"]));
    assert_eq!(plan["steps"].as_array().unwrap().len(), 3, "{plan:#}");
    let hash = plan["plan_hash"].as_str().unwrap().to_string();
    ok_json(almanac(&store, &["erasure", "approve", &second, "--plan-hash", &hash, "--approver", "bob", "--format", "json"]));
    killed_while_executing(&store, &second, "ALMANAC_TEST_ABORT_AFTER_COMMITS", "1");
    let resumed = ok_json(almanac(&store, &["erasure", "execute", &second, "--format", "json"]));
    assert_eq!(resumed["request"]["status"], "completed", "{resumed:#}");
    let report = ok_json(almanac(&store, &["erasure", "report", &second, "--format", "json"]));
    assert!(report["execution"]["chinook"][0]["note"].as_str().unwrap().contains("already applied"), "{report:#}");

    // Deadlines: a month from receipt, extended once by two months with a reason; the open
    // requests listed soonest due first; a withdrawn request closed with its reason.
    let third =
        ok_json(almanac(&store, &["erasure", "create", "--subject", "phone=+49 711 2842222", "--requester", "alice", "--format", "json"]));
    let third = third["id"].as_i64().unwrap().to_string();
    let listed = ok_json(almanac(&store, &["erasure", "list", "--due-within", "40", "--format", "json"]));
    let ids: Vec<String> = listed.as_array().unwrap().iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(ids, vec![third.clone()], "completed requests are not open: {listed:#}");
    let out = almanac(&store, &["erasure", "extend", &third, "--reason", "the subject's data spans three systems"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = refused(almanac(&store, &["erasure", "extend", &third, "--reason", "again"]));
    assert!(err.contains("extended already"), "{err}");
    assert!(ok_json(almanac(&store, &["erasure", "list", "--due-within", "40", "--format", "json"])).as_array().unwrap().is_empty());
    let shown = ok_json(almanac(&store, &["erasure", "show", &third, "--format", "json"]));
    let days = (chrono::DateTime::parse_from_rfc3339(shown["request"]["due_at"].as_str().unwrap()).unwrap().with_timezone(&chrono::Utc)
        - chrono::Utc::now())
    .num_days();
    assert!((88..=92).contains(&days), "due in {days} days");
    assert!(almanac(&store, &["erasure", "cancel", &third, "--reason", "withdrawn by the subject"]).status.success());
    assert!(ok_json(almanac(&store, &["erasure", "list", "--format", "json"])).as_array().unwrap().is_empty());
    let err = refused(almanac(&store, &["erasure", "plan", &third]));
    assert!(err.contains("cancelled"), "{err}");

    // Policies from the command line: a legal hold on invoices, versioned and audited;
    // column strategies only in a dataset's policy; unknown grounds refused.
    let hold = [
        "erasure",
        "policy",
        "set",
        "chinook.main.Invoice",
        "--action",
        "retain",
        "--ground",
        "b",
        "--statute",
        "tax code § 147: ten years",
        "--until",
        "2035-12-31",
        "--format",
        "json",
    ];
    let set = ok_json(almanac(&store, &hold));
    assert_eq!((set["version"].as_i64(), set["policy"]["hold"]["ground"].as_str()), (Some(1), Some("legal_obligation")), "{set:#}");
    let err = refused(almanac(&store, &["erasure", "policy", "set", "chinook", "--action", "anonymize", "--column", "Email=null"]));
    assert!(err.contains("dataset's policy"), "{err}");
    let err = refused(almanac(
        &store,
        &["erasure", "policy", "set", "*", "--action", "retain", "--ground", "z", "--statute", "s", "--until", "2030-01-01"],
    ));
    assert!(err.contains("unknown ground"), "{err}");
    let listed = ok_json(almanac(&store, &["erasure", "policy", "list", "--format", "json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed:#}");
    assert!(almanac(&store, &["erasure", "policy", "remove", "chinook.main.Invoice"]).status.success());
    assert!(ok_json(almanac(&store, &["erasure", "policy", "list", "--format", "json"])).as_array().unwrap().is_empty());
    let history = ok_json(almanac(&store, &["erasure", "policy", "history", "chinook.main.Invoice", "--format", "json"]));
    assert_eq!(history.as_array().unwrap().len(), 2, "{history:#}");
    assert!(history[1]["policy"].is_null());
    let log = String::from_utf8_lossy(&almanac(&store, &["audit", "log", "--format", "json", "--action", "erasure_policy.set"]).stdout)
        .into_owned();
    assert!(log.contains("tax code"), "{log}");

    // Bad input: a malformed subject, an unknown request.
    let err = refused(almanac(&store, &["erasure", "create", "--subject", "leonekohler@surfeu.de"]));
    assert!(err.contains("KIND=VALUE"), "{err}");
    let err = refused(almanac(&store, &["erasure", "plan", "999"]));
    assert!(err.contains("no request 999"), "{err}");

    // Nothing of the subject in the store's files or the audit log: the identifiers are
    // sealed with a key kept beside the store, not in it.
    assert!(dir.path().join("catalog.db.privacy-key").is_file());
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("catalog.db") && path.is_file() {
            let bytes = std::fs::read(&path).unwrap().to_ascii_lowercase();
            assert!(!bytes.windows(11).any(|w| w == b"leonekohler"), "{name} holds the subject's e-mail");
            assert!(!bytes.windows(9).any(|w| w == b"ftremblay"), "{name} holds the subject's e-mail");
        }
    }
    let log = almanac(&store, &["audit", "log", "--format", "json", "--limit", "50"]);
    let log = String::from_utf8_lossy(&log.stdout).to_lowercase();
    assert!(log.contains("privacy_request.create") && log.contains("privacy_request.approve"), "{log}");
    assert!(!log.contains("leonekohler"), "{log}");
}

/// Anonymisation against a live schema: each strategy, the limits it must respect, the
/// coverage gate, the warning about quasi-identifiers left, and policy edits refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymisation_strategies_respect_the_live_schema() {
    use almanac::privacy::erasure::policy::{self, Policy, PolicyAction, Strategy};
    use almanac::privacy::erasure::{execute, request, RequestKind, RequestStatus};
    let dir = TempDir::new();
    let path = dir.path().join("members.sqlite");
    let url = format!("sqlite://{}", path.display());
    {
        let mut c = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc")).await.unwrap();
        let mut sql = String::from(
            "CREATE TABLE member (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, full_name VARCHAR(12) NOT NULL, postal_code TEXT,
                                  date_of_birth TEXT, gender TEXT, phone TEXT, points INTEGER NOT NULL);
             CREATE TABLE visit (id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL REFERENCES member(id), visited_at TEXT, ip_address TEXT);\n",
        );
        for i in 1..=30 {
            sql.push_str(&format!(
                "INSERT INTO member VALUES ({i}, 'member{i}@example.org', 'Ann Lee {i}', '10{i:02}AB', '1980-01-{:02}', 'F', '+31 20 555 01{i:02}', {});\n",
                i % 28 + 1,
                i * 10
            ));
            for v in 0..3 {
                sql.push_str(&format!("INSERT INTO visit VALUES ({}, {i}, '2026-01-0{}', '10.0.{i}.{v}');\n", i * 10 + v, v + 1));
            }
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let app = open_app(&store).await;
    scan_source(&app, "club", &url, None).await;
    let now = chrono::Utc::now();
    let set = |columns: Vec<(&str, Strategy)>| {
        let app = &app;
        let policy = Policy {
            action: PolicyAction::Anonymize,
            columns: columns.into_iter().map(|(c, s)| (c.to_string(), s)).collect(),
            hold: None,
            reason: Some("members' statistics".into()),
        };
        async move { policy::set(&app.catalog, "club.main.member", Some(policy), now).await }
    };

    // Edits the catalog cannot check are refused with the reason.
    let err = set(vec![("no_such_column", Strategy::Null)]).await.unwrap_err().to_string();
    assert!(err.contains("no_such_column"), "{err}");
    let retain = Policy { action: PolicyAction::Retain, columns: Default::default(), hold: None, reason: None };
    let err = policy::set(&app.catalog, "club", Some(retain), now).await.unwrap_err().to_string();
    assert!(err.contains("hold"), "{err}");
    assert!(policy::set(&app.catalog, "nowhere", None, now).await.is_err());

    // A fixed value longer than the column allows, and one repeated into a unique column:
    // both unhandled, and the plan cannot be approved.
    set(vec![
        ("full_name", Strategy::Fixed { value: "a name longer than twelve".into() }),
        ("email", Strategy::Fixed { value: "x".into() }),
    ])
    .await
    .unwrap();
    let member = subjects(&["email=Member7@Example.org"]);
    let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &member, "alice", now).await.unwrap();
    let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
    let mut unhandled: Vec<(&str, &str)> =
        plan.coverage.iter().filter(|c| !c.handled).map(|c| (c.column.as_str(), c.handling.as_str())).collect();
    unhandled.sort();
    assert!(
        matches!(&unhandled[..], [("email", e), ("full_name", f)] if e.contains("unique") && f.contains("limit")),
        "{:#?}",
        plan.coverage
    );
    assert!(request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.is_err());

    // Pseudonymised e-mail, a fixed name, postal code and birth date kept with a reason, the
    // rest chosen from the schema (NULL where allowed).
    let kept = |why: &str| Strategy::Keep { reason: why.into() };
    set(vec![
        ("email", Strategy::Hash),
        ("full_name", Strategy::Fixed { value: "(erased)".into() }),
        ("postal_code", kept("regional statistics")),
        ("date_of_birth", kept("age checks")),
    ])
    .await
    .unwrap();
    let history = policy::history(&app.catalog, "club.main.member").await.unwrap();
    assert_eq!(history.iter().map(|h| h.version).collect::<Vec<_>>(), [1, 2]);
    let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
    assert!(plan.coverage.iter().all(|c| c.handled), "{:#?}", plan.coverage);
    let steps: Vec<(&str, &str)> = plan.steps.iter().map(|s| (s.dataset.as_str(), s.action.as_str())).collect();
    assert_eq!(steps, [("club.main.visit", "anonymize"), ("club.main.member", "anonymize")], "{plan:#?}");
    let effect = |column: &str| plan.steps[1].anonymize.iter().find(|a| a.column == column).map(|a| a.effect.as_str());
    assert_eq!((effect("email"), effect("full_name"), effect("postal_code")), (Some("pseudonymises"), Some("anonymises"), Some("exempt")));
    assert!(
        plan.warnings.iter().any(|w| w.contains("club.main.member") && w.contains("postal_code") && w.contains("date_of_birth")),
        "{:?}",
        plan.warnings
    );
    request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap();
    let done = execute::execute(&app.catalog, &app.config, r.id, now).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);

    let rows = sqlite_rows(&path).await;
    let m7 = rows.iter().find(|r| r.starts_with("member|7|")).expect("member 7 kept").split('|').map(str::to_string).collect::<Vec<_>>();
    assert!(m7[2].len() == 64 && m7[2].chars().all(|c| c.is_ascii_hexdigit()), "a keyed hash: {m7:?}");
    assert_eq!(&m7[3..], ["(erased)", "1007AB", "1980-01-08", "", "", "70"], "{m7:?}");
    let visits: Vec<&String> = rows.iter().filter(|r| r.starts_with("visit|") && r.split('|').nth(2) == Some("7")).collect();
    assert_eq!(visits.len(), 3);
    assert!(visits.iter().all(|v| v.ends_with('|')), "IP addresses NULL: {visits:?}");
    // Every other member and visit as it was.
    assert!(rows.iter().any(|r| r == "member|8|member8@example.org|Ann Lee 8|1008AB|1980-01-09|F|+31 20 555 0108|80"), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.starts_with("visit|") && r.contains("|10.0.")).count(), 87);
    assert!(footprint::find(&app.catalog, &app.config, "club", &member).await.unwrap().datasets.is_empty());
}

/// Copies found through lineage: a column fed from an identity key is searched like one (the
/// subject's row in the mailing list goes too), and a downstream dataset where the copy no
/// longer matches (hashed) is listed for its owner to be told (Art. 19).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_through_lineage_are_erased_and_downstream_owners_listed() {
    use almanac::catalog::names::QualifiedName;
    use almanac::privacy::erasure::{execute, request, RequestKind, RequestStatus};
    let dir = TempDir::new();
    let (shop, mart) = (dir.path().join("shop.sqlite"), dir.path().join("mart.sqlite"));
    for (path, sql) in [
        (
            &shop,
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
             CREATE TABLE mailing (id INTEGER PRIMARY KEY, contact TEXT, opted_in INTEGER);
             INSERT INTO customers VALUES (1, 'ann@example.org', 'Ann'), (2, 'bob@example.org', 'Bob');
             INSERT INTO mailing VALUES (10, 'ANN@example.org ', 1), (11, 'bob@example.org', 0);",
        ),
        (&mart, "CREATE TABLE email_hashes (hash TEXT); INSERT INTO email_hashes VALUES ('5d41402abc4b2a76b9719d911017c592');"),
    ] {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let app = open_app(&store).await;
    // Names only (no samples): `contact` and `hash` are not classified; lineage makes them copies.
    scan_source(&app, "shop", &format!("sqlite://{}", shop.display()), Some(0)).await;
    scan_source(&app, "mart", &format!("sqlite://{}", mart.display()), Some(0)).await;
    let name = |n: &str| QualifiedName::parse(n).unwrap();
    let edge = almanac::lineage::EdgeKind::Identity;
    almanac::lineage::manual::add_edge(&app.catalog, &name("shop.main.customers.email"), &name("shop.main.mailing.contact"), edge)
        .await
        .unwrap();
    let hashed = almanac::lineage::EdgeKind::Transformed;
    almanac::lineage::manual::add_edge(&app.catalog, &name("shop.main.customers.email"), &name("mart.main.email_hashes.hash"), hashed)
        .await
        .unwrap();

    let now = chrono::Utc::now();
    let ann = subjects(&["email=ann@example.org"]);
    let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &ann, "alice", now).await.unwrap();
    let plan = request::plan(&app.catalog, &app.config, r.id, now).await.unwrap();
    let mailing = plan.steps.iter().find(|s| s.dataset == "shop.main.mailing").unwrap_or_else(|| panic!("{plan:#?}"));
    assert_eq!((mailing.action.as_str(), mailing.rows), ("delete", 1));
    assert!(
        matches!(&mailing.reached_by[..], [Reach::IdentityKey { lineage_from: Some(from), confirmed: false, .. }] if from == "shop.main.customers.email"),
        "{mailing:?}"
    );
    // The hash is no copy (a transformed value never equals the identifier): no key there.
    let mart_id = app.catalog.source_by_name("mart").await.unwrap().id;
    assert!(footprint::identity_keys(app.catalog.connection(), mart_id).await.unwrap().is_empty());
    assert_eq!(plan.notify.len(), 1, "{:#?}", plan.notify);
    assert_eq!(
        (plan.notify[0].dataset.as_str(), &plan.notify[0].from[..]),
        ("mart.main.email_hashes", &["shop.main.customers.email".to_string()][..])
    );
    request::approve(&app.catalog, r.id, &plan.plan_hash, "bob", now).await.unwrap();
    assert_eq!(execute::execute(&app.catalog, &app.config, r.id, now).await.unwrap().status, RequestStatus::Completed);
    let rows = sqlite_rows(&shop).await;
    assert_eq!(rows, ["customers|2|bob@example.org|Bob", "mailing|11|bob@example.org|0"]);
    let report = execute::report(&app.catalog, r.id).await.unwrap();
    assert_eq!(report["notify"][0]["dataset"], "mart.main.email_hashes", "{report:#}");
    assert!(execute::report_html(&report).contains("mart.main.email_hashes"));
    // Bob's access export names the same downstream dataset as a recipient of his data.
    let export = almanac::privacy::erasure::access::export(&app.catalog, &app.config, &subjects(&["email=bob@example.org"])).await.unwrap();
    let exported: Vec<&str> = export.datasets.iter().map(|d| d.dataset.as_str()).collect();
    assert_eq!(exported, ["shop.main.customers", "shop.main.mailing"]);
    assert_eq!(export.recipients.iter().map(|r| r.dataset.as_str()).collect::<Vec<_>>(), ["mart.main.email_hashes"]);
}
