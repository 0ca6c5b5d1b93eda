//! Scanners against real PostgreSQL, MariaDB and SQLite databases.

mod common;

use almanac_scanners::{scan, Dataset, DatasetKind, NoProgress, SampleMethod, ScanError, ScanOptions, Snapshot, SourceUrl, TypeFamily};
use common::{chinook_dir, chinook_script, chinook_sqlite, MyDatabase, PgDatabase, TempDir};
use std::collections::BTreeSet;
use std::time::Duration;

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn dataset<'a>(snap: &'a Snapshot, ns: &str, name: &str) -> &'a Dataset {
    snap.namespaces
        .iter()
        .find(|n| n.name == ns)
        .and_then(|n| n.datasets.iter().find(|d| d.name == name))
        .unwrap_or_else(|| panic!("{ns}.{name} not in snapshot"))
}

fn column<'a>(d: &'a Dataset, name: &str) -> &'a almanac_scanners::Column {
    d.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("column {name} not in {}", d.name))
}

async fn scan_url(url: &str, options: &ScanOptions) -> Result<Snapshot, ScanError> {
    scan(&SourceUrl::parse(url).expect("url"), options, &NoProgress).await
}

#[tokio::test]
async fn postgres_scanner_reads_tables_views_partitions_keys_and_comments() {
    let Some(db) = PgDatabase::create().await else { return };
    db.execute(
        r#"
        CREATE SCHEMA sales; CREATE SCHEMA hr;
        CREATE TYPE sales.order_status AS ENUM ('placed', 'paid');
        CREATE DOMAIN sales.money_cents AS bigint CHECK (VALUE >= 0);
        CREATE TABLE hr.employee (id serial PRIMARY KEY, badge text NOT NULL, UNIQUE (badge));
        CREATE TABLE sales.customer (
            id bigint PRIMARY KEY,
            email text NOT NULL,
            full_name varchar(120),
            signup_ip inet,
            tags text[],
            account_manager int REFERENCES hr.employee(id),
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX customer_email_key ON sales.customer (lower(email));
        CREATE UNIQUE INDEX customer_name_key ON sales.customer (full_name);
        COMMENT ON TABLE sales.customer IS 'People who bought something';
        COMMENT ON COLUMN sales.customer.email IS 'Login e-mail';
        CREATE TABLE sales.orders (
            customer_id bigint NOT NULL REFERENCES sales.customer(id),
            order_no int NOT NULL,
            status sales.order_status NOT NULL,
            amount sales.money_cents,
            PRIMARY KEY (customer_id, order_no)
        );
        CREATE TABLE sales.order_line (
            customer_id bigint, order_no int, line int,
            FOREIGN KEY (customer_id, order_no) REFERENCES sales.orders (customer_id, order_no)
        );
        CREATE TABLE sales.events (id bigint, at date NOT NULL, payload jsonb) PARTITION BY RANGE (at);
        CREATE TABLE sales.events_2024 PARTITION OF sales.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE sales.events_2025 PARTITION OF sales.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        INSERT INTO sales.events SELECT g, DATE '2024-03-01' + g, '{}' FROM generate_series(1, 400) g;
        CREATE VIEW sales.customer_emails AS SELECT id, email FROM sales.customer;
        CREATE MATERIALIZED VIEW sales.order_counts AS SELECT customer_id, count(*) AS n FROM sales.orders GROUP BY 1;
        ALTER TABLE sales.orders OWNER TO pg_database_owner;
        INSERT INTO hr.employee (badge) VALUES ('B-1');
        INSERT INTO sales.customer (id, email, full_name, signup_ip, account_manager)
          SELECT g, 'user' || g || '@example.org', 'User ' || g, '203.0.113.7', 1 FROM generate_series(1, 30) g;
        ANALYZE;
        "#,
    )
    .await;

    let snap = scan_url(&db.url, &ScanOptions { sample_rows: 10, profile_rows: 10, ..Default::default() }).await.expect("scan");
    assert_eq!(snap.database, db.name);
    let names: BTreeSet<&str> = snap.namespaces.iter().map(|n| n.name.as_str()).collect();
    assert!(names.contains("sales") && names.contains("hr"), "{names:?}");

    let customer = dataset(&snap, "sales", "customer");
    assert_eq!(customer.kind, DatasetKind::Table);
    assert_eq!(customer.comment.as_deref(), Some("People who bought something"));
    assert_eq!(customer.row_estimate, Some(30));
    let email = column(customer, "email");
    assert_eq!(email.comment.as_deref(), Some("Login e-mail"));
    assert!(!email.nullable);
    assert!(!email.unique, "an expression index does not make the column unique");
    assert!(column(customer, "full_name").unique);
    assert_eq!(column(customer, "full_name").data_type, "character varying(120)");
    assert_eq!(column(customer, "signup_ip").type_family, TypeFamily::Network);
    assert_eq!(column(customer, "tags").type_family, TypeFamily::Array);
    assert_eq!(column(customer, "created_at").type_family, TypeFamily::TimestampTz);
    assert_eq!(column(customer, "created_at").default.as_deref(), Some("now()"));
    let id = column(customer, "id");
    assert!(id.primary_key && id.unique && !id.nullable);
    assert_eq!(id.ordinal, 1);
    assert_eq!(customer.foreign_keys.len(), 1);
    assert_eq!(customer.foreign_keys[0].referenced_namespace, "hr");
    assert_eq!(customer.foreign_keys[0].referenced_dataset, "employee");
    assert_eq!(customer.foreign_keys[0].referenced_columns, vec!["id"]);

    let orders = dataset(&snap, "sales", "orders");
    assert_eq!(orders.owner.as_deref(), Some("pg_database_owner"));
    assert!(customer.owner.as_deref().is_some_and(|o| o != "pg_database_owner"), "the creating role owns the rest");
    assert_eq!(column(orders, "status").type_family, TypeFamily::Enum);
    assert_eq!(column(orders, "amount").type_family, TypeFamily::Integer, "domain resolved to its base type");
    assert!(column(orders, "customer_id").primary_key && !column(orders, "customer_id").unique);
    let line = dataset(&snap, "sales", "order_line");
    assert_eq!(line.foreign_keys[0].columns, vec!["customer_id", "order_no"]);
    assert_eq!(line.foreign_keys[0].referenced_columns, vec!["customer_id", "order_no"]);

    let events = dataset(&snap, "sales", "events");
    assert_eq!(events.kind, DatasetKind::PartitionedTable);
    assert_eq!(events.partitions, vec!["events_2024", "events_2025"]);
    assert_eq!(events.row_estimate, Some(400));
    assert!(
        snap.namespaces.iter().flat_map(|n| &n.datasets).all(|d| !d.name.starts_with("events_")),
        "partitions are folded into their parent"
    );
    assert_eq!(events.sample.as_ref().map(|s| s.rows), Some(10));

    let view = dataset(&snap, "sales", "customer_emails");
    assert_eq!(view.kind, DatasetKind::View);
    assert!(view.view_definition.as_deref().unwrap_or("").to_lowercase().contains("from sales.customer"));
    assert!(view.sample.is_none(), "views are not sampled");
    assert_eq!(dataset(&snap, "sales", "order_counts").kind, DatasetKind::MaterializedView);

    let sample = &column(customer, "email").sample_values;
    assert_eq!(sample.len(), 10);
    assert!(sample.iter().all(|v| v.as_deref().is_some_and(|s| s.ends_with("@example.org"))));
    assert!(column(customer, "tags").sample_values.iter().all(Option::is_none));

    // The schema is read over several connections sharing one snapshot; over one connection
    // (a server that cannot share snapshots, or `max_connections = 1`) it reads the same.
    let shared = scan_url(&db.url, &ScanOptions { sample_rows: 0, ..Default::default() }).await.expect("scan");
    let alone = scan_url(&db.url, &ScanOptions { sample_rows: 0, max_connections: 1, ..Default::default() }).await.expect("scan");
    assert_eq!(format!("{shared:?}"), format!("{alone:?}"));
    assert_eq!(shared.column_count(), snap.column_count());

    // A role that may not export snapshots (as on servers without the function) still reads
    // the whole schema, over one connection.
    let role = format!("{}_reader", db.name);
    db.execute(&format!(
        "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA sales, hr TO {role};
         REVOKE EXECUTE ON FUNCTION pg_export_snapshot() FROM PUBLIC"
    ))
    .await;
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_username(&role).unwrap();
    let limited = scan_url(url.as_str(), &ScanOptions { sample_rows: 0, ..Default::default() }).await;
    db.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}")).await;
    let limited = limited.expect("scan without a shared snapshot");
    assert_eq!(format!("{:?}", limited.namespaces), format!("{:?}", shared.namespaces));
}

/// Sampled rows are read from PostgreSQL as one record each and split here; whatever the
/// values hold, each must come out as the column's own text cut to `max_value_chars`, as
/// `left(column::text, n)` gives it, including rows too long to come back as one record.
#[tokio::test]
async fn postgres_sampled_values_are_each_columns_text_whatever_they_hold() {
    let Some(db) = PgDatabase::create().await else { return };
    db.execute(
        r#"CREATE TYPE pair AS (n int, label text);
         CREATE TABLE odd (id int PRIMARY KEY, "weird, ""name"" (x)" text, amount numeric, tags text[], doc jsonb, raw bytea, at timestamptz, ok boolean, p pair, ip inet, net cidr, code char(6), nm name, ch "char", mac macaddr);
         INSERT INTO odd VALUES
           (1, 'plain', 1.50, '{a,b}', '{"k": "v, w"}', '\x00ff', '2024-03-01 10:00:00+00', true, ROW(1, 'a b')),
           (2, '', NULL, '{}', 'null', '\x', NULL, false, ROW(NULL, '')),
           (3, NULL, -0.001, '{"x,y","(z)"}', '[1, "two"]', NULL, '1999-12-31 23:59:59.5+00', NULL, NULL),
           (4, 'say "hi", (then) leave\now', 1e20, NULL, '{"q": "\"quoted\""}', '\x5c22', NULL, NULL, ROW(2, 'x"y')),
           (5, E'two\nlines\tand tab', 0, '{NULL}', NULL, NULL, NULL, true, ROW(3, NULL)),
           (6, E'ctrl \x01 \x1f \x7f', 3, NULL, NULL, NULL, NULL, NULL, NULL),
           (7, 'Seppälä 日本語 🙂 ' || chr(8238) || 'rtl', 4, NULL, NULL, NULL, NULL, NULL, NULL),
           (8, ' leading and trailing ', 5, NULL, NULL, NULL, NULL, NULL, NULL);
         INSERT INTO odd VALUES
           (9, 'net', 6, NULL, NULL, NULL, NULL, false, NULL, '10.0.0.1', '10.0.0.0/8', 'ab', 'a name', 'z', '08:00:2b:01:02:03'),
           (10, 'net6', 7, NULL, NULL, NULL, NULL, true, NULL, '2001:db8::1/64', '2001:db8::/32', 'a,b "c', 'x y', ',', NULL);
         CREATE TABLE long (id int PRIMARY KEY, body text, note text);
         INSERT INTO long VALUES (1, repeat('ab"c,', 30000), 'short'), (2, 'small', repeat('é', 5000)), (3, NULL, '');
         CREATE TABLE single (v text);
         INSERT INTO single VALUES ('(only)'), (NULL), ('');"#,
    )
    .await;
    for max in [512usize, 16] {
        let options = ScanOptions { sample_rows: 100, profile_rows: 100, max_value_chars: max, ..Default::default() };
        let snap = scan_url(&db.url, &options).await.expect("scan");
        let mut conn = db.connect().await;
        for table in ["odd", "long", "single"] {
            let d = dataset(&snap, "public", table);
            let mut scanned: Vec<Vec<Option<String>>> =
                (0..d.columns[0].sample_values.len()).map(|i| d.columns.iter().map(|c| c.sample_values[i].clone()).collect()).collect();
            let list = d.columns.iter().map(|c| format!("left({}::text, {max})", quote(&c.name))).collect::<Vec<_>>().join(", ");
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {list} FROM {table}"))).fetch_all(&mut conn).await.expect("read");
            let mut expected: Vec<Vec<Option<String>>> =
                rows.iter().map(|r| (0..d.columns.len()).map(|i| sqlx::Row::get::<Option<String>, _>(r, i)).collect()).collect();
            scanned.sort();
            expected.sort();
            assert_eq!(scanned, expected, "{table} with values cut to {max} characters");
        }
    }
}

#[tokio::test]
async fn postgres_samples_the_same_rows_every_scan_and_large_tables_by_pages() {
    let Some(db) = PgDatabase::create().await else { return };
    db.execute(
        "CREATE TABLE big (id int PRIMARY KEY, token text);
         INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 60000) g;
         CREATE TABLE loose AS SELECT g AS n, md5(g::text) AS token FROM generate_series(1, 5000) g;
         CREATE TABLE small AS SELECT g AS id FROM generate_series(1, 40) g;
         ANALYZE;",
    )
    .await;
    let options = ScanOptions { sample_rows: 50, profile_rows: 500, ..Default::default() };
    let ids = |snap: &almanac_scanners::Snapshot, table: &str, col: &str| -> Vec<String> {
        column(dataset(snap, "public", table), col).sample_values.iter().flatten().cloned().collect()
    };
    let first = scan_url(&db.url, &options).await.expect("scan");
    let big = dataset(&first, "public", "big");
    let info = big.sample.as_ref().expect("sampled");
    assert_eq!((info.method, info.rows), (SampleMethod::KeyHash, 500));
    // 50 values kept for classification; the profile covers all 500 rows read.
    assert_eq!(column(big, "token").sample_values.len(), 50);
    assert_eq!(column(big, "token").profile.as_ref().map(|p| p.sampled), Some(500));
    assert_eq!(column(big, "token").profile.as_ref().and_then(|p| p.engine).map(|e| e.null_fraction), Some(0.0));
    // Spread over the key range, not the first rows of the heap.
    let max_id = ids(&first, "big", "id").iter().filter_map(|v| v.parse::<i64>().ok()).max().unwrap_or(0);
    assert!(max_id > 30_000, "the sample should reach across the table");
    assert_eq!(dataset(&first, "public", "loose").sample.as_ref().map(|s| s.method), Some(SampleMethod::RowHash));
    assert_eq!(dataset(&first, "public", "small").sample.as_ref().map(|s| (s.method, s.rows)), Some((SampleMethod::RowHash, 40)));

    // The rows rewritten in another order: the same rows again, for both kinds of table.
    db.execute("CREATE INDEX big_token ON big (token); CLUSTER big USING big_token; CREATE INDEX loose_token ON loose (token); CLUSTER loose USING loose_token;").await;
    let again = scan_url(&db.url, &options).await.expect("scan");
    assert_eq!(ids(&again, "big", "id"), ids(&first, "big", "id"));
    assert_eq!(ids(&again, "loose", "n"), ids(&first, "loose", "n"));
    assert_eq!(column(dataset(&again, "public", "big"), "token").profile, column(big, "token").profile);

    // Above the hashing limit: pages chosen by a fixed seed.
    let paged = scan_url(&db.url, &ScanOptions { hash_sample_max_rows: 1_000, ..options.clone() }).await.expect("scan");
    let info = dataset(&paged, "public", "big").sample.clone().expect("sampled");
    assert_eq!(info.method, SampleMethod::TableSample);
    assert!(info.rows >= 250 && info.rows <= 500, "{} rows", info.rows);

    let none = scan_url(&db.url, &ScanOptions { sample_rows: 0, ..Default::default() }).await.expect("scan");
    assert!(dataset(&none, "public", "big").sample.is_none());
    assert!(column(dataset(&none, "public", "big"), "token").sample_values.is_empty());
}

#[tokio::test]
async fn mariadb_scanner_reads_tables_views_partitions_keys_and_comments() {
    let Some(db) = MyDatabase::create().await else { return };
    db.execute(
        r#"
        CREATE TABLE customer (
            id BIGINT PRIMARY KEY AUTO_INCREMENT,
            email VARCHAR(200) NOT NULL COMMENT 'Login e-mail',
            is_active TINYINT(1) NOT NULL DEFAULT 1,
            status ENUM('new', 'vip') NULL,
            profile JSON,
            born DATE,
            UNIQUE KEY uq_email (email)
        ) COMMENT 'People who bought something';
        CREATE TABLE orders (
            id INT NOT NULL,
            customer_id BIGINT NOT NULL,
            amount DECIMAL(10,2),
            PRIMARY KEY (id),
            CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customer(id)
        );
        CREATE TABLE metrics (day DATE NOT NULL, v INT) PARTITION BY RANGE (YEAR(day)) (
            PARTITION p2024 VALUES LESS THAN (2025), PARTITION pmax VALUES LESS THAN MAXVALUE);
        CREATE VIEW vip_customers AS SELECT id, email FROM customer WHERE status = 'vip';
        INSERT INTO customer (email, status, born) VALUES ('ann@example.org', 'vip', '1980-02-03'), ('bob@example.org', 'new', NULL);
        "#,
    )
    .await;
    let snap = scan_url(&db.url, &ScanOptions { sample_rows: 5, profile_rows: 5, ..Default::default() }).await.expect("scan");
    assert_eq!(snap.namespaces.len(), 1, "a URL naming a database scans only that one");
    assert_eq!(snap.namespaces[0].name, db.name);
    let ns = &db.name;
    let customer = dataset(&snap, ns, "customer");
    assert_eq!(customer.comment.as_deref(), Some("People who bought something"));
    let email = column(customer, "email");
    assert_eq!(email.comment.as_deref(), Some("Login e-mail"));
    assert!(email.unique && !email.nullable);
    assert_eq!(column(customer, "is_active").type_family, TypeFamily::Boolean);
    assert_eq!(column(customer, "status").type_family, TypeFamily::Enum);
    assert_eq!(column(customer, "born").default, None);
    assert!(column(customer, "id").primary_key);
    let orders = dataset(&snap, ns, "orders");
    assert_eq!(orders.foreign_keys.len(), 1);
    let fk = &orders.foreign_keys[0];
    assert_eq!(fk.name.as_deref(), Some("fk_orders_customer"));
    assert_eq!(
        (fk.referenced_dataset.as_str(), fk.columns.clone(), fk.referenced_columns.clone()),
        ("customer", vec!["customer_id".to_string()], vec!["id".to_string()])
    );
    assert_eq!(column(orders, "amount").type_family, TypeFamily::Decimal);
    assert_eq!(dataset(&snap, ns, "metrics").kind, DatasetKind::PartitionedTable);
    let view = dataset(&snap, ns, "vip_customers");
    assert_eq!(view.kind, DatasetKind::View);
    assert!(view.view_definition.as_deref().unwrap_or("").contains("vip"));
    assert!(view.comment.is_none());
    // A view's definer is its owner; MySQL tables have none.
    assert!(view.owner.as_deref().is_some_and(|o| o.contains('@')), "{:?}", view.owner);
    assert_eq!(customer.owner, None);
    let mut emails: Vec<_> = email.sample_values.iter().flatten().cloned().collect();
    emails.sort();
    assert_eq!(emails, vec!["ann@example.org", "bob@example.org"]);
    assert_eq!(column(customer, "born").sample_values, vec![Some("1980-02-03".to_string()), None]);
}

#[tokio::test]
async fn sqlite_scanner_reads_the_quickstart_warehouse_with_ddl_comments() {
    let dir = TempDir::new();
    let path = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&path).await.expect("write sample");
    let snap = scan_url(&format!("sqlite://{}", path.display()), &ScanOptions::default()).await.expect("scan");
    assert_eq!(snap.database, "warehouse");
    assert_eq!(snap.namespaces.len(), 1);
    assert_eq!(snap.namespaces[0].name, "main");
    let customers = dataset(&snap, "main", "customers");
    assert_eq!(customers.comment.as_deref(), Some("one row per customer account"));
    assert_eq!(column(customers, "email").comment.as_deref(), Some("login e-mail address"));
    assert!(column(customers, "email").unique);
    assert_eq!(column(customers, "birth_date").type_family, TypeFamily::Date);
    assert_eq!(column(customers, "loyalty_tier").default.as_deref(), Some("'basic'"));
    assert_eq!(customers.row_estimate, Some(600));
    assert_eq!(column(customers, "email").sample_values.len(), 100);
    let items = dataset(&snap, "main", "order_items");
    assert!(column(items, "order_id").primary_key && column(items, "line_no").primary_key);
    assert!(!column(items, "order_id").unique, "part of a composite key");
    let fks: BTreeSet<&str> = items.foreign_keys.iter().map(|f| f.referenced_dataset.as_str()).collect();
    assert_eq!(fks, BTreeSet::from(["orders", "products"]));
    let employees = dataset(&snap, "main", "employees");
    assert!(employees.foreign_keys.iter().any(|f| f.referenced_dataset == "employees" && f.columns == vec!["manager_id"]));
    let view = dataset(&snap, "main", "customer_order_totals");
    assert_eq!(view.kind, DatasetKind::View);
    assert!(view.view_definition.as_deref().unwrap_or("").starts_with("SELECT c.customer_id"));
    assert_eq!(snap.dataset_count(), 12);
}

/// A column as compared across engines: name, type family, nullable, primary key.
type ColumnShape = (String, String, bool, bool);

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Shape {
    tables: BTreeSet<(String, Vec<ColumnShape>)>,
    foreign_keys: BTreeSet<(String, Vec<String>, String, Vec<String>)>,
}

/// Names lowered and underscores removed: Chinook's scripts spell `AlbumId` and `album_id`.
fn norm(s: &str) -> String {
    s.to_lowercase().replace('_', "")
}

fn shape(snap: &Snapshot) -> Shape {
    let datasets: Vec<&Dataset> = snap.namespaces.iter().flat_map(|n| &n.datasets).collect();
    Shape {
        tables: datasets
            .iter()
            .map(|d| {
                let cols =
                    d.columns.iter().map(|c| (norm(&c.name), c.type_family.as_str().to_string(), c.nullable, c.primary_key)).collect();
                (norm(&d.name), cols)
            })
            .collect(),
        foreign_keys: datasets
            .iter()
            .flat_map(|d| {
                d.foreign_keys.iter().map(|f| {
                    (
                        norm(&d.name),
                        f.columns.iter().map(|c| norm(c)).collect(),
                        norm(&f.referenced_dataset),
                        f.referenced_columns.iter().map(|c| norm(c)).collect(),
                    )
                })
            })
            .collect(),
    }
}

#[tokio::test]
async fn chinook_scans_the_same_on_sqlite_postgres_and_mariadb() {
    let Some(chinook) = chinook_dir() else { return };
    let (Some(pg), Some(my)) = (PgDatabase::create().await, MyDatabase::create().await) else { return };
    pg.execute(&chinook_script(&chinook, "Chinook_PostgreSql.sql")).await;
    my.execute(&chinook_script(&chinook, "Chinook_MySql.sql")).await;
    let dir = TempDir::new();
    let sqlite_url = chinook_sqlite(&chinook, dir.path());

    let options = ScanOptions { sample_rows: 20, profile_rows: 20, ..Default::default() };
    let lite = scan_url(&sqlite_url, &options).await.expect("scan sqlite");
    let post = scan_url(&pg.url, &options).await.expect("scan postgres");
    let maria = scan_url(&my.url, &options).await.expect("scan mariadb");

    let (a, b, c) = (shape(&lite), shape(&post), shape(&maria));
    assert_eq!(a.tables.len(), 11, "{:?}", a.tables.iter().map(|t| &t.0).collect::<Vec<_>>());
    assert_eq!(a.foreign_keys.len(), 11);
    assert_eq!(a, b, "SQLite and PostgreSQL differ");
    assert_eq!(b, c, "PostgreSQL and MariaDB differ");
    for snap in [&lite, &post, &maria] {
        let artists = snap.namespaces.iter().flat_map(|n| &n.datasets).find(|d| norm(&d.name) == "artist").expect("artist");
        assert_eq!(artists.sample.as_ref().map(|s| s.rows), Some(20));
    }
}

#[tokio::test]
async fn unreachable_and_broken_sources_fail_with_clear_errors() {
    let quick = ScanOptions { connect_timeout: Duration::from_secs(3), ..Default::default() };
    let err = scan_url("postgres://postgres@127.0.0.1:1/none", &quick).await.unwrap_err();
    assert!(matches!(err, ScanError::Unreachable(_)), "{err}");
    let err = scan_url("mysql://root@127.0.0.1:1/none", &quick).await.unwrap_err();
    assert!(matches!(err, ScanError::Unreachable(_)), "{err}");

    if let Some(admin) = common::service_url("ALMANAC_TEST_POSTGRES_URL") {
        let mut u = url::Url::parse(&admin).unwrap();
        u.set_path("/no_such_database_here");
        let err = scan_url(u.as_str(), &quick).await.unwrap_err();
        assert!(matches!(err, ScanError::NotFound(_)), "{err}");
        assert!(err.to_string().contains("no_such_database_here"), "{err}");
    }
    if let Some(admin) = common::service_url("ALMANAC_TEST_MYSQL_URL") {
        let mut u = url::Url::parse(&admin).unwrap();
        u.set_path("/no_such_database_here");
        let err = scan_url(u.as_str(), &quick).await.unwrap_err();
        assert!(matches!(err, ScanError::NotFound(_)), "{err}");
        u.set_path("/");
        u.set_username("nobody_here").unwrap();
        let err = scan_url(u.as_str(), &quick).await.unwrap_err();
        assert!(matches!(err, ScanError::Authentication(_)), "{err}");
    }

    let dir = TempDir::new();
    let missing = dir.path().join("missing.db");
    let err = scan_url(&format!("sqlite://{}", missing.display()), &quick).await.unwrap_err();
    assert!(matches!(err, ScanError::NotFound(_)), "{err}");
    assert!(!missing.exists(), "scanning must not create the file");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not an SQLite database, just some text padded out ......................................").unwrap();
    let err = scan_url(&format!("sqlite://{}", junk.display()), &quick).await.unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
}
