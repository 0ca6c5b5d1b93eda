//! Classifier quality on the labeled evaluation set and on Chinook (labeled by hand).
//! A regression guard: it fails when the figures drop below what the classifier reaches.

mod common;

use almanac::classify::{Classifier, ClassifyConfig, ColumnFacts};
use almanac_fixtures::evaluation::{chinook_labels, classify_sqlite, score, write_eval_db, Report};
use common::{chinook_dir, TempDir};

fn print(name: &str, r: &Report) {
    println!(
        "{name}: {} columns ({} personal), precision {:.3}, recall {:.3}, F1 {:.3}, category accuracy {:.3}",
        r.columns, r.positives, r.precision, r.recall, r.f1, r.category_accuracy
    );
    for m in &r.mistakes {
        println!("  {m}");
    }
}

#[tokio::test]
async fn synthetic_european_evaluation_set() {
    let dir = TempDir::new();
    let path = dir.path().join("pii_eval.db");
    let labels = write_eval_db(&path, 42).await.expect("write evaluation set");
    let positives = labels.iter().filter(|l| l.expected.is_some()).count();
    assert!(labels.len() >= 400, "{} labeled columns", labels.len());
    assert!((labels.len() - positives) * 3 >= labels.len(), "a third of the columns are hard negatives");
    let classifier = Classifier::new(ClassifyConfig::default()).unwrap();
    let predictions =
        classify_sqlite(&path, 100, |d, c| classifier.classify(&ColumnFacts::scanned(d, c, None)).map(|s| s.category)).await.expect("scan");
    let r = score(&labels, &predictions);
    print("synthetic evaluation set", &r);
    assert!(r.precision >= FLOOR_PRECISION, "precision {:.3}", r.precision);
    assert!(r.recall >= FLOOR_RECALL, "recall {:.3}", r.recall);
    assert!(r.category_accuracy >= FLOOR_CATEGORY, "category accuracy {:.3}", r.category_accuracy);
}

#[tokio::test]
async fn chinook_labeled_by_hand() {
    let Some(chinook) = chinook_dir() else { return };
    let dir = TempDir::new();
    let path = dir.path().join("chinook.sqlite");
    std::fs::copy(chinook.join("Chinook_Sqlite.sqlite"), &path).unwrap();
    let classifier = Classifier::new(ClassifyConfig::default()).unwrap();
    let predictions =
        classify_sqlite(&path, 100, |d, c| classifier.classify(&ColumnFacts::scanned(d, c, None)).map(|s| s.category)).await.expect("scan");
    let labels = chinook_labels();
    let r = score(&labels, &predictions);
    print("Chinook", &r);
    assert!(r.precision >= CHINOOK_PRECISION && r.recall >= CHINOOK_RECALL && r.category_accuracy >= CHINOOK_CATEGORY);
}

// Floors: the figures reached when this guard was last raised.
const FLOOR_PRECISION: f64 = 1.0;
const FLOOR_RECALL: f64 = 1.0;
const FLOOR_CATEGORY: f64 = 1.0;
const CHINOOK_PRECISION: f64 = 1.0;
const CHINOOK_RECALL: f64 = 1.0;
const CHINOOK_CATEGORY: f64 = 1.0;
