//! Ingest and store behaviour on both stores (SQLite and PostgreSQL): incremental and
//! idempotent re-scans, change events, soft deletes, curated metadata surviving re-scans,
//! all-or-nothing application, and no sampled values or passwords in the store.

mod common;

use almanac::app::AppState;
use almanac::catalog::names::{OwnerName, QualifiedName, TagName};
use almanac::catalog::{CatalogError, ChangeEvent, ChangeFilter, NewSource, ScanStatus, Target};
use almanac::scanning;
use almanac::scanning::ScanSummary;
use almanac_scanners::{NoProgress, ScanOptions, SourceUrl};
use common::{open_app, PgDatabase, StoreKind, TempDir, TestStore};

async fn scan_source(app: &AppState, name: &str, url: &str) -> ScanSummary {
    common::scan_source(app, name, url, None).await
}

async fn all_changes(app: &AppState) -> Vec<ChangeEvent> {
    app.catalog.changes(ChangeFilter::default(), None, 100_000).await.expect("changes").0
}

fn qn(s: &str) -> QualifiedName {
    QualifiedName::parse(s).expect("qualified name")
}

async fn rescans_are_incremental_and_record_every_change(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let Some(src) = PgDatabase::create().await else { return };
    src.execute(
        "CREATE TABLE customer (id int PRIMARY KEY, email text, phone varchar(20), note text);
         COMMENT ON COLUMN customer.email IS 'login';
         CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customer(id));
         CREATE TABLE legacy (id int);",
    )
    .await;
    let app = open_app(&store).await;

    let first = scan_source(&app, "shop", &src.url).await;
    assert_eq!((first.datasets, first.columns), (3, 7));
    let first_events = all_changes(&app).await;
    assert_eq!(first_events.iter().filter(|e| e.kind.as_str() == "dataset_added").count(), 3);

    // Curate before the schema changes.
    let customer = app.catalog.dataset_by_name(&qn("shop.public.customer")).await.unwrap();
    let email = app.catalog.column_by_name(&qn("shop.public.customer.email")).await.unwrap();
    app.catalog.set_description(Target::Dataset(customer.id), Some("Everyone who has an account"), 0).await.unwrap();
    app.catalog.set_description(Target::Column(email.id), Some("Primary contact address"), 0).await.unwrap();
    app.catalog.add_tag(Target::Column(email.id), &TagName::parse("pii").unwrap()).await.unwrap();
    app.catalog.set_owner(customer.id, Some(&OwnerName::parse("crm-team").unwrap()), 0).await.unwrap();
    let customer = app.catalog.dataset_by_name(&qn("shop.public.customer")).await.unwrap();
    // The owner the source reports (the role that created the table) is kept beside it.
    let creator = customer.source_owner.clone().expect("PostgreSQL reports the owning role");
    assert_eq!(customer.effective_owner(), Some("crm-team"));

    // Unchanged source: nothing is rewritten and nothing is recorded.
    let before = all_changes(&app).await.len();
    let again = scan_source(&app, "shop", &src.url).await;
    assert_eq!(again.changes, 0);
    assert_eq!(all_changes(&app).await.len(), before);
    let unchanged = app.catalog.dataset_by_name(&qn("shop.public.customer")).await.unwrap();
    assert_eq!(unchanged.updated_at, customer.updated_at, "an unchanged dataset is not rewritten");
    let email_again = app.catalog.column_by_name(&qn("shop.public.customer.email")).await.unwrap();
    assert_eq!(email_again.updated_at, email.updated_at);

    src.execute(
        "ALTER TABLE customer ALTER COLUMN phone TYPE varchar(40);
         ALTER TABLE customer ALTER COLUMN email SET NOT NULL;
         COMMENT ON COLUMN customer.email IS 'login e-mail';
         ALTER TABLE customer DROP COLUMN note;
         ALTER TABLE customer ADD COLUMN birth_date date;
         ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
         DROP TABLE legacy;
         CREATE TABLE refunds (id int);
         ALTER TABLE orders OWNER TO pg_database_owner;",
    )
    .await;
    let third = scan_source(&app, "shop", &src.url).await;
    let scan_events: Vec<ChangeEvent> = all_changes(&app).await.into_iter().skip(before).collect();
    assert_eq!(third.changes, scan_events.len());
    let kinds = |k: &str| scan_events.iter().filter(|e| e.kind.as_str() == k).count();
    assert_eq!(kinds("type_changed"), 1);
    assert_eq!(kinds("nullability_changed"), 1);
    assert_eq!(kinds("comment_changed"), 1);
    assert_eq!(kinds("column_removed"), 1);
    assert_eq!(kinds("column_added"), 1);
    assert_eq!(kinds("foreign_key_removed"), 1);
    assert_eq!(kinds("dataset_removed"), 1);
    assert_eq!(kinds("dataset_added"), 1);
    assert_eq!(kinds("source_owner_changed"), 1);
    assert_eq!(scan_events.len(), 9, "{:?}", scan_events.iter().map(|e| &e.kind).collect::<Vec<_>>());
    let typed = scan_events.iter().find(|e| e.kind.as_str() == "type_changed").unwrap();
    assert_eq!(typed.details["before"], "character varying(20)");
    assert_eq!(typed.details["after"], "character varying(40)");
    assert!(typed.column_id.is_some() && typed.scan_id.is_some());
    let added = scan_events.iter().find(|e| e.kind.as_str() == "column_added").unwrap();
    let birth = app.catalog.column_by_name(&qn("shop.public.customer.birth_date")).await.unwrap();
    assert_eq!(added.column_id, Some(birth.id));

    // Curated metadata survived; removals are soft.
    let customer = app.catalog.dataset_by_name(&qn("shop.public.customer")).await.unwrap();
    assert_eq!(customer.description.as_deref(), Some("Everyone who has an account"));
    let email = app.catalog.column_by_name(&qn("shop.public.customer.email")).await.unwrap();
    assert_eq!(email.description.as_deref(), Some("Primary contact address"));
    assert_eq!(email.comment.as_deref(), Some("login e-mail"));
    assert!(!email.nullable);
    assert_eq!(app.catalog.tags(Target::Column(email.id)).await.unwrap(), vec!["pii"]);
    let legacy = app.catalog.dataset_by_name(&qn("shop.public.legacy")).await.unwrap();
    assert!(legacy.removed_at.is_some(), "removed datasets are kept, marked removed");
    let note = app.catalog.column_by_name(&qn("shop.public.customer.note")).await.unwrap();
    assert!(note.removed_at.is_some());
    let live = app.catalog.columns(&customer, false).await.unwrap();
    assert_eq!(live.iter().map(|c| c.name()).collect::<Vec<_>>(), vec!["id", "email", "phone", "birth_date"]);
    let orders = app.catalog.dataset_by_name(&qn("shop.public.orders")).await.unwrap();
    assert!(app.catalog.foreign_keys(&orders).await.unwrap().is_empty());
    assert_eq!(orders.source_owner.as_deref(), Some("pg_database_owner"));
    assert_eq!(orders.effective_owner(), Some("pg_database_owner"), "no one assigned an owner");
    let moved = scan_events.iter().find(|e| e.kind.as_str() == "source_owner_changed").unwrap();
    assert_eq!((moved.dataset_id, moved.details["before"].as_str()), (Some(orders.id), Some(creator.as_str())));
    assert_eq!(customer.owner.as_deref(), Some("crm-team"), "a scan never touches the assigned owner");
    assert_eq!(customer.source_owner.as_deref(), Some(creator.as_str()));

    // A dataset that comes back keeps its id.
    src.execute("CREATE TABLE legacy (id int);").await;
    scan_source(&app, "shop", &src.url).await;
    let back = app.catalog.dataset_by_name(&qn("shop.public.legacy")).await.unwrap();
    assert_eq!(back.id, legacy.id);
    assert!(back.removed_at.is_none());
}

async fn a_failure_half_way_leaves_the_catalog_as_it_was(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let dir = TempDir::new();
    let path = dir.path().join("shop.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&path).await.unwrap();
    let url = format!("sqlite://{}", path.display());
    let app = open_app(&store).await;
    scan_source(&app, "shop", &url).await;
    let changes_before = all_changes(&app).await.len();
    let source = app.catalog.source_by_name("shop").await.unwrap();
    let (datasets_before, _) = app.catalog.datasets_page(source.id, None, true, None, 1000).await.unwrap();

    // A snapshot that fails deep into the transaction: many new datasets are written before
    // the last one collides with the unique (dataset, column name) index.
    let mut snapshot = almanac_scanners::scan(&SourceUrl::parse(&url).unwrap(), &ScanOptions::default(), &NoProgress).await.unwrap();
    let ns = &mut snapshot.namespaces[0];
    for d in ns.datasets.iter_mut() {
        d.comment = Some("changed".into());
    }
    let mut extra = ns.datasets[0].clone();
    extra.name = "zz_extra".into();
    let dup = extra.columns[0].clone();
    extra.columns.push(dup);
    ns.datasets.push(extra);
    let scan = app.catalog.start_scan(source.id).await.unwrap();
    let err = scanning::apply_snapshot(
        app.catalog.connection(),
        source.id,
        scan.id,
        std::sync::Arc::new(snapshot.clone()),
        app.classifier.clone(),
        &app.config.history,
    )
    .await;
    assert!(err.is_err(), "the duplicate column must fail the ingest");
    app.catalog.fail_scan(scan.id, "test").await.unwrap();

    let (datasets_after, _) = app.catalog.datasets_page(source.id, None, true, None, 1000).await.unwrap();
    assert_eq!(datasets_after.len(), datasets_before.len());
    assert!(datasets_after.iter().all(|d| d.comment.as_deref() != Some("changed")));
    assert_eq!(all_changes(&app).await.len(), changes_before);
    assert_eq!(app.catalog.scan(scan.id).await.unwrap().status, ScanStatus::Failed);

    // And the next good scan applies normally.
    let ok = scan_source(&app, "shop", &url).await;
    assert_eq!(ok.changes, 0);
}

async fn descriptions_use_optimistic_concurrency(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let dir = TempDir::new();
    let path = dir.path().join("shop.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&path).await.unwrap();
    let app = open_app(&store).await;
    scan_source(&app, "shop", &format!("sqlite://{}", path.display())).await;
    let col = app.catalog.column_by_name(&qn("shop.main.customers.email")).await.unwrap();
    assert_eq!(col.description_version, 0);

    // Ten editors start from version 0 at once: exactly one wins, nine are told they are stale.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let catalog = app.catalog.clone();
        tasks.push(tokio::spawn(async move { catalog.set_description(Target::Column(col.id), Some(&format!("edit {i}")), 0).await }));
    }
    let mut won = Vec::new();
    let mut stale = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await.unwrap() {
            Ok(v) => won.push((i, v)),
            Err(CatalogError::StaleVersion { current, expected, .. }) => {
                assert_eq!((current, expected), (1, 0));
                stale += 1;
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one concurrent edit wins");
    assert_eq!(stale, 9);
    let after = app.catalog.column(col.id).await.unwrap();
    assert_eq!(after.description.as_deref(), Some(format!("edit {}", won[0].0).as_str()));
    assert_eq!(after.description_version, 1);
    let events = app.catalog.changes(ChangeFilter { column_id: Some(col.id), ..Default::default() }, None, 100).await.unwrap().0;
    assert_eq!(events.iter().filter(|e| e.kind.as_str() == "description_changed").count(), 1);

    let err = app.catalog.set_description(Target::Column(col.id), Some(&"x".repeat(20_001)), 1).await.unwrap_err();
    assert!(matches!(err, CatalogError::Invalid(_)));
    let err = app.catalog.set_description(Target::Dataset(999_999), Some("x"), 0).await.unwrap_err();
    assert!(matches!(err, CatalogError::NotFound(_)));
}

async fn sampled_values_and_passwords_never_reach_the_store(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let Some(src) = PgDatabase::create().await else { return };
    src.execute(
        "CREATE TABLE person (id int, email text, iban text);
         INSERT INTO person VALUES (1, 'very.unique.person@example.org', 'DE44500105175407324931');",
    )
    .await;
    let app = open_app(&store).await;
    // Trust authentication accepts any password: the scan succeeds with one in the URL.
    let with_password = src.url.replacen("postgres@", "postgres:Sup3rS3cretPassw0rd@", 1);
    assert!(with_password.contains("Sup3rS3cret"));
    scan_source(&app, "people", &with_password).await;
    let source = app.catalog.source_by_name("people").await.unwrap();
    assert!(!source.url.contains("Sup3rS3cret"), "{}", source.url);
    assert_eq!(source.url, src.url);

    // Look at every byte the store keeps.
    let haystack: Vec<u8> = match &store {
        TestStore::Sqlite { dir, .. } => {
            drop(app);
            let mut all = Vec::new();
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                all.extend(std::fs::read(entry.unwrap().path()).unwrap());
            }
            all
        }
        TestStore::Postgres { db, .. } => {
            let mut conn = db.connect().await;
            let dump: Vec<String> = sqlx::query_scalar(
                "SELECT string_agg(t::text, E'\\n') FROM (
                    SELECT row_to_json(s)::text AS t FROM source s UNION ALL
                    SELECT row_to_json(d)::text FROM dataset d UNION ALL
                    SELECT row_to_json(c)::text FROM dataset_column c UNION ALL
                    SELECT row_to_json(e)::text FROM change_event e UNION ALL
                    SELECT row_to_json(x)::text FROM scan x UNION ALL
                    SELECT row_to_json(p)::text FROM column_profile p UNION ALL
                    SELECT row_to_json(a)::text FROM audit_log a) all_rows",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            dump.join("\n").into_bytes()
        }
    };
    let contains = |needle: &str| haystack.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains("iban"), "the schema is stored (sanity check of the search)");
    assert!(!contains("very.unique.person@example.org"), "a sampled value reached the store");
    assert!(!contains("DE44500105175407324931"), "a sampled value reached the store");
    assert!(!contains("Sup3rS3cret"), "a password reached the store");
}

async fn scans_whose_process_stopped_fail_once_their_lease_ran_out(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let app = open_app(&store).await;
    let source = app
        .catalog
        .register_source(NewSource {
            name: almanac::catalog::SourceName::parse("gone").unwrap(),
            url: SourceUrl::parse("sqlite:///nonexistent/x.db").unwrap(),
            password_env: None,
            password_file: None,
            sample_rows: None,
        })
        .await
        .unwrap();
    // A short lease: renewed by nobody here, as if the process that started the scan stopped.
    let catalog = app.catalog.clone().with_job_lease(std::time::Duration::from_millis(1_500));
    let scan = catalog.start_scan(source.id).await.unwrap();
    let err = catalog.start_scan(source.id).await.unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "one running scan per source");
    // Another process opening the store while the lease lasts leaves the scan alone ...
    let reopened = open_app(&store).await;
    assert_eq!(reopened.catalog.scan(scan.id).await.unwrap().status, ScanStatus::Running);
    // ... and once it ran out, the scan is failed as interrupted, and a new one may start.
    tokio::time::sleep(std::time::Duration::from_millis(1_700)).await;
    let reopened = open_app(&store).await;
    let s = reopened.catalog.scan(scan.id).await.unwrap();
    assert_eq!(s.status, ScanStatus::Failed);
    assert!(s.error.unwrap_or_default().contains("interrupted"));
    assert!(reopened.catalog.start_scan(source.id).await.is_ok());
}

on_both_stores!(
    rescans_are_incremental_and_record_every_change,
    a_failure_half_way_leaves_the_catalog_as_it_was,
    descriptions_use_optimistic_concurrency,
    sampled_values_and_passwords_never_reach_the_store,
    scans_whose_process_stopped_fail_once_their_lease_ran_out,
);
