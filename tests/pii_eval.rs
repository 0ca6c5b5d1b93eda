//! Classifier quality on the labeled evaluation set and on Chinook (labeled by hand).
//! A regression guard: it fails when the figures drop below what the classifier reaches.

mod common;

use almanac::classify::{Classifier, ClassifyConfig, ColumnFacts};
use almanac_fixtures::evaluation::{chinook_labels, classify_sqlite, classify_sqlite_files, score, score_by, write_eval_db, Report};
use almanac_fixtures::families::{write_family_dbs, Scoring, FAMILIES, LANGUAGES};
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

/// The second evaluation set, built apart from the classifier: ERP, CRM, healthcare,
/// e-commerce and open-data schemas with values in the 24 EU languages, Norwegian and
/// Icelandic. Reports per language and per schema family, and fails below the figures reached.
#[tokio::test]
async fn schema_families_in_every_eu_language() {
    let dir = TempDir::new();
    let sets = write_family_dbs(dir.path(), 11).await.expect("write the family databases");
    let scoring = Scoring::of(&sets);
    let (files, by_language, by_family) = (&scoring.files, &scoring.by_language, &scoring.by_family);
    assert!(by_language.len() >= 500, "{} labeled columns", by_language.len());
    let classifier = Classifier::new(ClassifyConfig::default()).unwrap();
    let predictions = classify_sqlite_files(files, 100, |d, c| classifier.classify(&ColumnFacts::scanned(d, c, None)).map(|s| s.category))
        .await
        .expect("scan");
    let all = scoring.labels();
    let overall = score(&all, &predictions);
    print("schema families, overall", &overall);
    let languages = score_by(by_language, &predictions);
    let families = score_by(by_family, &predictions);
    for (group, reports) in [("language", &languages), ("family", &families)] {
        for (k, r) in reports {
            println!(
                "  {group} {k:<12} {:>3} columns  precision {:.3}  recall {:.3}  category accuracy {:.3}",
                r.columns, r.precision, r.recall, r.category_accuracy
            );
        }
    }
    assert_eq!(languages.len(), LANGUAGES.len(), "every language is in the set");
    assert_eq!(families.len(), FAMILIES.len(), "every schema family is in the set");
    assert!(overall.precision >= FAMILIES_PRECISION, "precision {:.3}", overall.precision);
    assert!(overall.recall >= FAMILIES_RECALL, "recall {:.3}", overall.recall);
    assert!(overall.category_accuracy >= FAMILIES_CATEGORY, "category accuracy {:.3}", overall.category_accuracy);
    let worst = languages.values().map(|r| r.recall).fold(1.0, f64::min);
    assert!(worst >= FAMILIES_WORST_LANGUAGE_RECALL, "worst language recall {worst:.3}");
}

// Floors: the figures reached when this guard was last raised.
const FLOOR_PRECISION: f64 = 1.0;
const FLOOR_RECALL: f64 = 1.0;
const FLOOR_CATEGORY: f64 = 1.0;
const CHINOOK_PRECISION: f64 = 1.0;
const CHINOOK_RECALL: f64 = 1.0;
const CHINOOK_CATEGORY: f64 = 1.0;
const FAMILIES_PRECISION: f64 = 0.98;
const FAMILIES_RECALL: f64 = 0.97;
const FAMILIES_CATEGORY: f64 = 0.99;
const FAMILIES_WORST_LANGUAGE_RECALL: f64 = 0.92;
