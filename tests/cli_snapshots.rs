//! What the command line prints, as snapshots (insta, in `tests/snapshots/`): a change to the
//! output shows up as a reviewed diff (`cargo insta review`), not as a surprise for scripts and
//! people. The quickstart warehouse is generated the same every time; times and paths are
//! filtered out.

mod common;

use common::TempDir;
use std::process::Command;

struct Cli {
    dir: TempDir,
}

impl Cli {
    async fn with_warehouse() -> Cli {
        let dir = TempDir::new();
        let wh = dir.path().join("warehouse.db");
        almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
        let cli = Cli { dir };
        let scanned = cli.run(&["scan", &format!("sqlite://{}", wh.display()), "--name", "warehouse"]);
        assert!(scanned.starts_with("scanned warehouse (sqlite): 12 datasets, 90 columns"), "{scanned}");
        cli
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_almanac"))
            .args(args)
            .current_dir(self.dir.path())
            .env("ALMANAC_STORE", format!("sqlite://{}/catalog.db", self.dir.path().display()))
            .env_remove("ALMANAC_CONFIG")
            .env_remove("RUST_LOG")
            .output()
            .expect("run almanac");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Filters for what changes from run to run: times, this run's folder, durations.
macro_rules! stable {
    ($($t:tt)*) => {
        insta::with_settings!({ filters => vec![
            (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", "[time]"),
            (r"/tmp/almanac_test[^/\s]*", "[dir]"),
            (r"in \d+\.\d+s", "in [secs]s"),
        ]}, { $($t)* });
    };
}

#[tokio::test]
async fn show_sources_pii_search_and_history_print_what_they_printed() {
    let cli = Cli::with_warehouse().await;
    stable!(insta::assert_snapshot!("show_customers", cli.run(&["show", "warehouse.main.customers"])));
    stable!(insta::assert_snapshot!("show_column", cli.run(&["show", "warehouse.main.orders.total_amount"])));
    stable!(insta::assert_snapshot!("show_view", cli.run(&["show", "warehouse.main.employee_directory"])));
    stable!(insta::assert_snapshot!("sources", cli.run(&["sources"])));
    stable!(insta::assert_snapshot!("pii", cli.run(&["pii", "warehouse"])));
    stable!(insta::assert_snapshot!("search", cli.run(&["search", "customer e-mail", "--limit", "5"])));
    stable!(insta::assert_snapshot!("history", cli.run(&["history", "warehouse.main.stores"])));
    // JSON for programs: snapshots with the ids and times redacted.
    let json: serde_json::Value = serde_json::from_str(&cli.run(&["show", "warehouse.main.order_items", "--format", "json"])).unwrap();
    insta::assert_json_snapshot!("show_order_items_json", json);
    let json: serde_json::Value = serde_json::from_str(&cli.run(&[
        "pii",
        "warehouse",
        "--format",
        "json",
        "--category",
        "user.contact.email",
        "--category",
        "user.financial.bank_account",
    ]))
    .unwrap();
    insta::assert_json_snapshot!("pii_contact_json", json);
}
