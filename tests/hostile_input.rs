//! Hostile input, part 1: every validator, shape, parser and classifier that reads source data
//! or request text is run on arbitrary Unicode (property tests with proptest). Text is drawn
//! from a mix that reaches the places bugs hide: digits and capitals in the lengths of
//! national ids, letters that change length when upper-cased (`ß`, `ŉ`, `ﬁ`), multi-byte
//! letters at every byte offset (`Seppälä` crashed the Spanish DNI check), combining marks,
//! control and bidirectional characters, and any scalar value at all.
//!
//! `PROPTEST_CASES` raises the number of cases (CI runs the default, a short run).

mod common;

use almanac::catalog::names::{quote_part, OwnerName, QualifiedName, TagName};
use almanac::classify::{validators, words, Classifier, ClassifyConfig, ColumnFacts};
use almanac::history::{drift, profile};
use proptest::prelude::*;

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        4 => proptest::char::range('0', '9'),
        2 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('a', 'z'),
        3 => proptest::sample::select(vec![
            'ä', 'é', 'á', 'ß', 'İ', 'ı', 'ŉ', 'ǅ', 'ﬁ', 'Ω', 'ł', 'ø', '中', '東', '🙂', '\u{301}', '\u{200d}', '\u{202e}',
            '\0', '\u{1b}', '\u{7}', '\u{85}', '\u{9b}', '\u{2028}', '\u{feff}', ' ', '-', '.', '/', '@', ':', '%', '+', '(',
            ')', '"', '\'', '`', '[', ']', ',', ';', '\n', '\t', '\r', '_', '$', '*', '#', '=', 'X', 'Y', 'Z',
        ]),
    ]
}

/// Any text, 0 to 48 characters of the mix above.
fn hostile_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(hostile_char(), 0..48).prop_map(|v| v.into_iter().collect())
}

/// Id-shaped text: mostly digits and capitals, 7 to 20 characters, with intruders.
fn id_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![6 => proptest::char::range('0', '9'), 2 => proptest::char::range('A', 'Z'), 1 => hostile_char()],
        7..20,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![hostile_text(), id_like()]
}

fn sample() -> impl Strategy<Value = Vec<Option<String>>> {
    proptest::collection::vec(proptest::option::weighted(0.85, any_value()), 0..40)
}

/// Every validator over one value; none may panic.
fn all_validators(v: &str) {
    let _ = validators::luhn(v);
    let _ = validators::email(v);
    let _ = validators::card_number(v);
    let _ = validators::ean(v);
    let _ = validators::iban(v);
    let _ = validators::ip(v);
    let _ = validators::phone(v);
    let _ = validators::date(v);
    let _ = validators::gender(v);
    let _ = validators::de_tax_id(v);
    let _ = validators::fr_nir(v);
    let _ = validators::es_dni_nie(v);
    let _ = validators::it_codice_fiscale(v);
    let _ = validators::nl_bsn(v);
    let _ = validators::pl_pesel(v);
    let _ = validators::uk_nino(v);
    let _ = validators::us_ssn(v);
    let _ = validators::se_personnummer(v);
    let _ = validators::national_id(v);
    let _ = validators::imei(v);
    let _ = validators::mac(v);
    let _ = validators::uuid(v);
    let _ = validators::coordinate(v, 90.0);
    let _ = validators::credential(v);
    let _ = validators::hex_digest(v);
    let _ = validators::postal_code(v);
}

#[test]
fn names_of_people_and_places_from_every_alphabet_do_not_crash_the_validators() {
    // The report that started this suite, and its neighbours: multi-byte letters at byte 8
    // of a 9-byte value, letters that grow when upper-cased, scripts without case.
    for v in [
        "Seppälä",
        "Musilová",
        "Juan José",
        "Carlos Sá",
        "Łukasiewicz",
        "Straße12",
        "ŉ1234567",
        "ﬁ1234567Z",
        "İ1234567Z",
        "12345678ß",
        "1234567ä",
        "X123456ä",
        "東京都千代田区",
        "١٢٣٤٥٦٧٨٩",
        "1\u{301}2345678Z",
    ] {
        all_validators(v);
    }
}

/// 2,000 cases per property, or `PROPTEST_CASES` for a longer run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn validators_never_panic(v in any_value()) {
        all_validators(&v);
    }

    #[test]
    fn an_accepted_national_id_is_ascii(v in id_like()) {
        if validators::national_id(&v).is_some() {
            prop_assert!(v.trim().chars().all(|c| c.is_ascii() || c.is_whitespace()), "{v:?}");
        }
    }

    #[test]
    fn names_split_into_non_empty_words(v in hostile_text()) {
        let split = words::split_identifier(&v);
        prop_assert!(split.iter().all(|w| !w.is_empty()));
        let _ = words::match_terms(&split, &[]);
        let _ = words::fold(&v);
    }

    #[test]
    fn shapes_stay_short(v in any_value()) {
        let s = profile::shape(&v);
        prop_assert!(s.chars().count() <= 41, "{s:?}");
        let _ = profile::instant(&v);
    }

    #[test]
    fn profiles_and_drift_hold_on_any_sample(a in sample(), b in sample()) {
        let pa = profile::profile(&a);
        let pb = profile::profile(&b);
        prop_assert!((0.0..=1.0).contains(&pa.null_fraction));
        for n in [&pa.numbers, &pa.instants, &pa.lengths].into_iter().flatten() {
            prop_assert!(n.min.is_finite() && n.max.is_finite() && n.mean.is_finite());
        }
        let config = drift::DriftConfig::default();
        let _ = drift::detect(&pa, &pb, true, &config);
        let _ = drift::detect(&pb, &pa, false, &config);
        let _ = profile::duplicate_share(&[&a, &b]);
    }

    #[test]
    fn the_classifier_takes_any_column(table in hostile_text(), column in hostile_text(), comment in hostile_text(),
                                        data_type in hostile_text(), family in proptest::sample::select(vec!["text", "integer", "decimal", "date", "timestamp", "json", "other", "uuid", "network", "boolean"]),
                                        values in sample(), majority in 0.0f64..=1.0, min_values in 0usize..8) {
        // Any thresholds the configuration accepts, the extremes included.
        let config = ClassifyConfig { value_majority: majority, min_values, ..ClassifyConfig::default() };
        let classifier = Classifier::new(config).expect("a valid configuration");
        let facts = ColumnFacts {
            dataset: &table, column: &column, data_type: &data_type, type_family: family,
            table: almanac::classify::TableContext::from_name(&table),
            comment: Some(&comment), description: Some(&comment), primary_key: false, values: &values,
        };
        if let Some(s) = classifier.classify(&facts) {
            prop_assert!((0.0..=1.0).contains(&s.confidence));
            // Evidence never holds a sampled value.
            let evidence = serde_json::to_string(&s.evidence).unwrap();
            for v in values.iter().flatten().filter(|v| v.chars().count() >= 6) {
                prop_assert!(!evidence.contains(v.as_str()), "evidence quotes a value: {evidence}");
            }
        }
    }

    #[test]
    fn qualified_names_round_trip_whatever_their_parts(source in hostile_text(), namespace in hostile_text(), dataset in hostile_text(), column in proptest::option::of(hostile_text())) {
        let q = QualifiedName { source, namespace, dataset, column };
        let text = q.to_string();
        prop_assert_eq!(QualifiedName::parse(&text).expect("a displayed name parses"), q);
        let _ = quote_part(&text);
    }

    #[test]
    fn name_parsers_refuse_or_accept_without_panicking(v in hostile_text()) {
        let _ = QualifiedName::parse(&v);
        if let Ok(t) = TagName::parse(&v) {
            prop_assert!(t.as_str().chars().count() <= 64);
        }
        let _ = OwnerName::parse(&v);
        let _ = almanac_scanners::SourceUrl::parse(&v);
    }
}
