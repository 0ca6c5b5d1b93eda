//! Property tests: the scanner's own parsers (SQLite DDL comments and view text, type names,
//! URLs, value truncation, size limits) on arbitrary Unicode never panic and keep their
//! promises. Text mixes SQL punctuation, quotes, comment markers and any scalar value.

use crate::snapshot::{MAX_COMMENT_CHARS, MAX_NAME_CHARS};
use crate::{Column, Dataset, DatasetKind, Engine, Namespace, Snapshot, SourceUrl, TypeFamily};
use proptest::prelude::*;

fn sql_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => proptest::sample::select(vec!['(', ')', ',', '\'', '"', '`', '[', ']', '-', '/', '*', '\n', ' ', ';', 'A', 'S', 'a', 's', 'ä', '中', '🙂', '\u{1b}', '\0']),
        2 => proptest::char::range('a', 'z'),
    ]
}

fn sql_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(sql_char(), 0..80).prop_map(|v| v.into_iter().collect())
}

/// A DDL statement with a hostile body: keywords where the parser looks for them.
fn ddl() -> impl Strategy<Value = String> {
    (sql_text(), sql_text(), sql_text()).prop_map(|(a, b, c)| format!("CREATE TABLE {a} ({b} -- {c}\n, x INT /* {a} */) {c}"))
}

/// 2,000 cases per property, or `PROPTEST_CASES` for a longer run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn ddl_comments_never_panic(sql in prop_oneof![sql_text(), ddl()]) {
        let c = crate::sqlite_ddl::comments(&sql);
        prop_assert!(c.columns.keys().all(|k| sql.contains(k.as_str()) || k.contains('"') || k.contains('`') || k.contains(']')));
        let q = crate::sqlite_ddl::view_query(&sql);
        prop_assert!(q.len() <= sql.len());
        let _ = crate::sqlite_ddl::first_identifier(&sql);
        let _ = crate::sqlite::TableShape::from_ddl(&sql);
    }

    #[test]
    fn type_names_map_to_a_family(t in sql_text(), u in sql_text()) {
        let _ = crate::types::postgres_family(&t, &u, false);
        let _ = crate::types::mysql_family(&t, &u);
        let _ = crate::types::sqlite_family(&t);
    }

    #[test]
    fn urls_parse_or_are_refused(u in sql_text(), scheme in proptest::sample::select(vec!["postgres://", "mysql://", "sqlite://", "mariadb://", ""])) {
        if let Ok(url) = SourceUrl::parse(&format!("{scheme}{u}")) {
            let _ = url.database_name();
            let _ = url.username();
            prop_assert!(!url.redacted().is_empty());
        }
    }

    #[test]
    fn sampled_values_are_cut_on_characters(v in sql_text(), max in 0usize..40) {
        let cut = crate::truncate_value(v.clone(), max);
        prop_assert!(cut.chars().count() <= max);
        prop_assert!(v.starts_with(&cut));
    }

    #[test]
    fn limits_leave_no_overlong_text(name_len in 0usize..(MAX_NAME_CHARS + 5), comment_len in 0usize..(MAX_COMMENT_CHARS + 5), c in sql_char()) {
        let name: String = std::iter::repeat_n(c, name_len).collect();
        let comment: String = std::iter::repeat_n(c, comment_len).collect();
        let column = Column { name: name.clone(), ordinal: 1, data_type: "text".into(), type_family: TypeFamily::Text, nullable: true, default: None, primary_key: false, unique: false, comment: Some(comment.clone()), sample_values: Vec::new(), profile: None };
        let dataset = Dataset { name: name.clone(), kind: DatasetKind::Table, comment: Some(comment), row_estimate: None, view_definition: None, owner: None, columns: vec![column], foreign_keys: Vec::new(), partitions: Vec::new(), sample: None, files: None };
        let mut s = Snapshot { engine: Engine::Sqlite, database: "x".into(), server_version: None, namespaces: vec![Namespace { name: "main".into(), datasets: vec![dataset] }], warnings: Vec::new() };
        s.enforce_limits();
        for d in s.namespaces.iter().flat_map(|n| &n.datasets) {
            prop_assert!(d.name.chars().count() <= MAX_NAME_CHARS);
            prop_assert!(d.comment.as_ref().is_none_or(|c| c.chars().count() <= MAX_COMMENT_CHARS + 1));
            for col in &d.columns {
                prop_assert!(col.comment.as_ref().is_none_or(|c| c.chars().count() <= MAX_COMMENT_CHARS + 1));
            }
        }
        prop_assert_eq!(s.warnings.is_empty(), name_len <= MAX_NAME_CHARS && comment_len <= MAX_COMMENT_CHARS);
    }
}
