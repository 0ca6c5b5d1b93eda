//! PII classification: combines column and table names (multilingual vocabulary), source
//! comments and curated descriptions, declared types and validated sample values into one
//! category per column with a confidence and the evidence behind it. Evidence never holds
//! a sampled value: only which rule fired, shares and counts.

pub mod health;
pub mod languages;
pub mod lexicon;
pub mod national;
pub mod table;
pub mod taxonomy;
pub mod validators;
pub mod words;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
pub use table::{Rows, TableContext};
use validators::IpKind;
use words::{is_non_person_word, is_person_word, match_terms, split_identifier, MODIFIERS, PLACE_CANCELS, PLACE_WORDS};

/// Thresholds and extensions, from the `[classify]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifyConfig {
    /// Least confidence for a suggestion.
    pub threshold: f64,
    /// Share of non-null sampled values that must validate before values alone count.
    pub value_majority: f64,
    /// Fewest non-null sampled values for value rules to apply.
    pub min_values: usize,
    /// Custom categories and extra vocabulary.
    pub custom: Vec<CustomCategory>,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        ClassifyConfig { threshold: 0.5, value_majority: 0.8, min_values: 5, custom: Vec::new() }
    }
}

/// A category defined in the configuration (or extra terms for a built-in one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCategory {
    /// Dotted key under `user.`; a built-in key adds terms to that category.
    pub key: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub special: bool,
    /// Column-name terms (`loyalty_card`, `member no`), matched like the built-in vocabulary.
    #[serde(default)]
    pub name_patterns: Vec<String>,
    /// A regular expression that whole values match.
    #[serde(default)]
    pub value_regex: Option<String>,
}

/// What the classifier looks at for one column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnFacts<'a> {
    pub dataset: &'a str,
    pub column: &'a str,
    pub data_type: &'a str,
    /// Normalized type family (`text`, `integer`, `date` ...).
    pub type_family: &'a str,
    pub comment: Option<&'a str>,
    pub description: Option<&'a str>,
    pub primary_key: bool,
    pub values: &'a [Option<String>],
    /// What the table's rows are, from its name and its columns.
    pub table: TableContext,
}

impl<'a> ColumnFacts<'a> {
    /// The facts of a scanned column, with its curated description when there is one.
    pub fn scanned(dataset: &'a almanac_scanners::Dataset, column: &'a almanac_scanners::Column, description: Option<&'a str>) -> Self {
        Self::in_table(TableContext::of_dataset(dataset), dataset, column, description)
    }

    /// [`ColumnFacts::scanned`] with the table's context computed once for all its columns.
    pub fn in_table(
        table: TableContext,
        dataset: &'a almanac_scanners::Dataset,
        column: &'a almanac_scanners::Column,
        description: Option<&'a str>,
    ) -> Self {
        ColumnFacts {
            table,
            dataset: &dataset.name,
            column: &column.name,
            data_type: &column.data_type,
            type_family: column.type_family.as_str(),
            comment: column.comment.as_deref(),
            description,
            primary_key: column.primary_key,
            values: &column.sample_values,
        }
    }
}

/// One piece of evidence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Signal {
    /// `name`, `table`, `comment`, `description`, `type`, `values`, or `negative`.
    pub kind: String,
    /// The rule that fired: a vocabulary term, a validator name, a reason.
    pub rule: String,
    pub weight: f64,
    /// Share of non-null sampled values that validated.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub share: Option<f64>,
    /// Non-null sampled values looked at.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sampled: Option<usize>,
    /// Country of the identifier scheme that validated.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub country: Option<String>,
}

/// A suggested category for a column.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    pub category: String,
    pub confidence: f64,
    pub evidence: Vec<Signal>,
}

/// Why the classifier configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error("custom category `{0}`: keys are dotted lower-case words under `user.`")]
    BadKey(String),
    #[error("custom category `{key}`: invalid value_regex: {message}")]
    BadRegex { key: String, message: String },
    #[error("classify thresholds must lie between 0 and 1")]
    BadThreshold,
}

struct CustomRule {
    key: String,
    regex: Option<regex::Regex>,
}

/// The classifier, built once from the configuration.
pub struct Classifier {
    config: ClassifyConfig,
    taxonomy: taxonomy::Taxonomy,
    terms: Vec<(String, String, f64)>,
    rules: Vec<CustomRule>,
}

/// Categories that describe a person's contact, identity or address: not personal when the
/// table holds companies, shops or products.
fn is_person_attribute(cat: &str) -> bool {
    cat.starts_with("user.contact")
        || cat.starts_with("user.name")
        || matches!(cat, "user.unique_id" | "user.location.precise" | "user.demographic.gender" | "user.government_id.tax_id")
}

/// Type families each category can be stored in.
fn type_allows(cat: &str, family: &str) -> bool {
    match family {
        "boolean" | "interval" | "enum" if cat != "user.demographic.gender" => false,
        "json" | "array" | "other" => true,
        "integer" => matches!(
            cat,
            "user.unique_id"
                | "user.contact.phone_number"
                | "user.contact.address.postal_code"
                | "user.financial.credit_card"
                | "user.government_id.national_id"
                | "user.government_id.tax_id"
                | "user.device.device_id"
                | "user.financial.bank_account"
                | "user.demographic.date_of_birth"
                | "user.demographic.gender"
                | "user.health"
        ),
        // Lab values are numbers; a date of death is a health record's date.
        "decimal" | "float" => matches!(cat, "user.location.precise" | "user.unique_id" | "user.financial.credit_card" | "user.health"),
        "date" | "timestamp" | "timestamp_tz" => matches!(cat, "user.demographic.date_of_birth" | "user.health"),
        "time" => false,
        "network" => matches!(cat, "user.device.ip_address" | "user.device.device_id"),
        "geometry" => cat == "user.location.precise",
        "uuid" => matches!(cat, "user.unique_id" | "user.device.device_id"),
        "binary" => matches!(cat, "user.biometric" | "user.credentials" | "user.genetic"),
        _ => true,
    }
}

#[derive(Default)]
struct Scores {
    by_category: BTreeMap<String, Vec<Signal>>,
}

impl Scores {
    fn add(&mut self, category: &str, signal: Signal) {
        self.by_category.entry(category.to_string()).or_default().push(signal);
    }
}

fn signal(kind: &str, rule: &str, weight: f64) -> Signal {
    Signal { kind: kind.into(), rule: rule.into(), weight, share: None, sampled: None, country: None }
}

fn value_signal(rule: &str, weight: f64, share: f64, sampled: usize) -> Signal {
    Signal {
        kind: "values".into(),
        rule: rule.into(),
        weight,
        share: Some((share * 1000.0).round() / 1000.0),
        sampled: Some(sampled),
        country: None,
    }
}

/// Share of `values` for which `f` holds, giving up early once `need` cannot be reached.
fn share(values: &[&str], need: f64, f: impl Fn(&str) -> bool) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let allowed_failures = ((1.0 - need) * n as f64).floor() as usize;
    let mut ok = 0;
    let mut failed = 0;
    for v in values {
        if f(v) {
            ok += 1;
        } else {
            failed += 1;
            if failed > allowed_failures {
                // Cannot reach `need` any more; the exact share below it does not matter.
                return ok as f64 / n as f64;
            }
        }
    }
    ok as f64 / n as f64
}

/// Words that make a token or key the code of a thing rather than a secret of a person.
const PRODUCT_TOKEN_WORDS: &[&str] = &[
    "product",
    "license",
    "licence",
    "coupon",
    "voucher",
    "promo",
    "gift",
    "sku",
    "item",
    "invite",
    "invitation",
    "tracking",
    "serial",
    "activation",
    "shipment",
    "parcel",
    "ticket",
    "cart",
    "csrf",
    "pagination",
    "page",
    "cursor",
    "idempotency",
    "cache",
];

/// Text with its HTML or XML tags replaced by spaces (`<p>Call 040 123 4567<br>` gives the
/// words between them).
fn strip_tags(v: &str) -> String {
    if !v.contains('<') {
        return v.to_string();
    }
    let mut out = String::with_capacity(v.len());
    let mut in_tag = false;
    for c in v.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A table's head noun: its last word that is not a storage word (`customer_entity`,
/// `customer_entity_varchar`, `person_master`: customer, customer, person), singular.
fn table_head(table: &str) -> Option<String> {
    const STORAGE_WORDS: &[&str] = &[
        "entity", "data", "master", "info", "details", "table", "tbl", "record", "records", "main", "base", "varchar", "int", "text",
        "datetime", "decimal",
    ];
    let words = split_identifier(table);
    let head = words.iter().rev().find(|w| !STORAGE_WORDS.contains(&w.as_str()))?;
    Some(if head.len() > 3 && head.ends_with('s') && !head.ends_with("ss") { head[..head.len() - 1].to_string() } else { head.clone() })
}

/// Whether a comment or description only mentions a category rather than saying the column
/// holds it: `address type code`, `email verified`, `number of phone calls`, `whether the
/// email bounced`.
fn mentions_only(words: &[String], m: &words::NameMatch) -> bool {
    let after = words.get(m.end).map(String::as_str);
    let before = |k: usize| m.start.checked_sub(k).and_then(|i| words.get(i)).map(String::as_str);
    after.is_some_and(|w| MODIFIERS.contains(&w) || matches!(w, "code" | "codes" | "category" | "class"))
        || matches!(before(1), Some("whether" | "if" | "has" | "is" | "was" | "count" | "no"))
        || (matches!(before(1), Some("of")) && matches!(before(2), Some("number" | "count" | "amount" | "kind" | "type" | "format")))
}

/// The most frequent item, as text.
fn most_common<'x>(items: impl Iterator<Item = &'x str>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in items {
        *counts.entry(i).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, c)| *c).map(|(k, _)| k.to_string())
}

/// Dotted quads whose parts are all small (`10.2.0.4`, `1.18.3.0`) and that repeat, or whose
/// column is named as a version: release or build versions. Addresses in use spread over
/// the range of each part and rarely repeat this much.
fn version_like(values: &[&str], words: &[String]) -> bool {
    const VERSION_WORDS: &[&str] = &["version", "ver", "release", "rel", "build", "firmware", "revision", "rev", "patch", "saprl"];
    if words.iter().any(|w| VERSION_WORDS.contains(&w.as_str())) {
        return true;
    }
    let small = values
        .iter()
        .filter(|v| {
            let parts: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
            parts.len() == 4 && parts[0] < 30 && parts[1..].iter().all(|&x| x < 100)
        })
        .count();
    let distinct: std::collections::BTreeSet<&&str> = values.iter().collect();
    small * 10 >= values.len() * 9 && distinct.len() * 2 <= values.len()
}

impl Classifier {
    /// Builds a classifier; custom categories are checked here, once.
    pub fn new(config: ClassifyConfig) -> Result<Self, ClassifyError> {
        if !(0.0..=1.0).contains(&config.threshold) || !(0.0..=1.0).contains(&config.value_majority) {
            return Err(ClassifyError::BadThreshold);
        }
        let mut custom_categories = Vec::new();
        let mut terms = Vec::new();
        let mut rules = Vec::new();
        for c in &config.custom {
            if !taxonomy::valid_custom_key(&c.key) {
                return Err(ClassifyError::BadKey(c.key.clone()));
            }
            if !taxonomy::BUILT_IN.iter().any(|(k, _, _)| *k == c.key) {
                custom_categories.push(taxonomy::Category {
                    key: c.key.clone(),
                    label: c.label.clone().unwrap_or_else(|| c.key.clone()),
                    special: c.special,
                });
            }
            for p in &c.name_patterns {
                terms.push((split_identifier(p).concat(), c.key.clone(), 0.75));
            }
            let regex = match &c.value_regex {
                Some(r) => Some(
                    regex::Regex::new(&format!("^(?:{r})$"))
                        .map_err(|e| ClassifyError::BadRegex { key: c.key.clone(), message: e.to_string() })?,
                ),
                None => None,
            };
            rules.push(CustomRule { key: c.key.clone(), regex });
        }
        Ok(Classifier { taxonomy: taxonomy::Taxonomy::with_custom(custom_categories), config, terms, rules })
    }

    /// The categories in force.
    pub fn taxonomy(&self) -> &taxonomy::Taxonomy {
        &self.taxonomy
    }

    /// The best category for a column, if any reaches the threshold.
    pub fn classify(&self, facts: &ColumnFacts<'_>) -> Option<Suggestion> {
        let mut scores = Scores::default();
        let words = split_identifier(facts.column);
        let table_is_person = facts.table.rows == Rows::Persons;
        let table_is_thing = facts.table.rows == Rows::Things;

        self.name_signals(&words, table_is_person, table_is_thing, facts, &mut scores);
        for (kind, text) in [("comment", facts.comment), ("description", facts.description)] {
            if let Some(text) = text {
                let w = split_identifier(text);
                let found: Vec<_> = match_terms(&w, &self.terms).into_iter().filter(|m| m.weight >= 0.5 && !mentions_only(&w, m)).collect();
                // A comment naming several kinds of data ("email, phone or chat") lists
                // values or options; it does not say what the column holds.
                let distinct: std::collections::BTreeSet<&str> = found.iter().map(|m| m.category.as_str()).collect();
                if distinct.len() > 1 {
                    continue;
                }
                for m in &found {
                    if !(table_is_thing && is_person_attribute(&m.category)) {
                        scores.add(&m.category, signal(kind, &m.term, m.weight * 0.75));
                    }
                }
            }
        }
        let dt = facts.data_type.to_ascii_lowercase();
        if dt.starts_with("inet") || dt.starts_with("cidr") {
            scores.add("user.device.ip_address", signal("type", &dt, 0.5));
        }
        if dt.starts_with("macaddr") {
            scores.add("user.device.device_id", signal("type", &dt, 0.6));
        }
        let health_table = facts.table.health;
        if health_table && health::clinical_column(&words, &split_identifier(facts.dataset)) {
            scores.add("user.health", signal("table", "a clinical value or code in a table of health records", 0.6));
        }
        self.value_signals(facts, &words, health_table, &mut scores);

        // In a table of things (stations, schools, companies), a position, an address or a
        // contact found among the values is the thing's, unless the column names a person.
        if table_is_thing && !words.iter().any(|w| is_person_word(w)) {
            for (category, signals) in scores.by_category.iter_mut() {
                if is_person_attribute(category) && signals.iter().all(|s| s.kind != "negative") {
                    signals.push(signal("negative", "the table holds organisations or things, not persons", 0.0));
                }
            }
        }
        // Combine: independent signals, 1 - prod(1 - w); negative signals scale down.
        let mut best: Option<Suggestion> = None;
        for (category, signals) in scores.by_category {
            if !type_allows(&category, facts.type_family) {
                continue;
            }
            let mut keep = 1.0;
            let mut penalty = 1.0;
            for s in &signals {
                if s.kind == "negative" {
                    penalty *= s.weight;
                } else {
                    keep *= 1.0 - s.weight.clamp(0.0, 0.99);
                }
            }
            let confidence = ((1.0 - keep) * penalty * 1000.0).round() / 1000.0;
            // Special categories (Art. 9) weigh more: a miss costs more than elsewhere, so they
            // need a little less evidence.
            let threshold = if self.taxonomy.is_special(&category) { self.config.threshold * 0.8 } else { self.config.threshold };
            if confidence >= threshold && best.as_ref().is_none_or(|b| confidence > b.confidence) {
                best = Some(Suggestion { category, confidence, evidence: signals });
            }
        }
        best
    }

    fn name_signals(&self, words: &[String], table_is_person: bool, table_is_thing: bool, facts: &ColumnFacts<'_>, scores: &mut Scores) {
        let matches = match_terms(words, &self.terms);
        let head = table_head(facts.dataset);
        for m in &matches {
            let outside = || words.iter().enumerate().filter(move |(i, _)| *i < m.start || *i >= m.end).map(|(_, w)| w.as_str());
            let mut weight = m.weight;
            // The table's own noun is not a modifier: `provider_name` in `provider`.
            if let Some(modifier) = outside().find(|w| MODIFIERS.contains(w) && head.as_deref() != Some(*w)) {
                scores.add(&m.category, signal("name", &m.term, weight));
                scores.add(&m.category, signal("negative", &format!("`{modifier}` describes the data, it is not the data"), 0.0));
                continue;
            }
            // `place_of_birth`, `lieu_de_naissance`, `passport_issue_city`: a place, not the
            // date or the number.
            if PLACE_CANCELS.contains(&m.category.as_str()) {
                if let Some(place) = outside().find(|w| PLACE_WORDS.contains(w)) {
                    scores.add(&m.category, signal("name", &m.term, weight));
                    scores.add(&m.category, signal("negative", &format!("`{place}` names a place, not the {}", m.term), 0.0));
                    continue;
                }
            }
            // `product_token`, `license_key`, `coupon_secret`: codes of things, not a person's
            // credentials (a strong term such as `password` or `api_key` still counts).
            if m.category == "user.credentials" && m.weight < words::STRONG {
                if let Some(thing) =
                    outside().find(|w| PRODUCT_TOKEN_WORDS.contains(w) || is_non_person_word(w)).or(table_is_thing.then_some(""))
                {
                    let why = if thing.is_empty() {
                        "the table holds things: a product or licence code".to_string()
                    } else {
                        format!("`{thing}` makes it a product or licence code")
                    };
                    scores.add(&m.category, signal("name", &m.term, weight));
                    scores.add(&m.category, signal("negative", &why, 0.0));
                    continue;
                }
            }
            if is_person_attribute(&m.category) {
                if let Some(thing) = outside().find(|w| is_non_person_word(w)) {
                    scores.add(&m.category, signal("name", &m.term, weight));
                    scores.add(&m.category, signal("negative", &format!("`{thing}` is not a person"), 0.0));
                    continue;
                }
                if table_is_thing && !outside().any(is_person_word) {
                    scores.add(&m.category, signal("name", &m.term, weight));
                    scores.add(&m.category, signal("negative", "the table holds organisations or things, not persons", 0.0));
                    continue;
                }
                if outside().any(is_person_word) {
                    weight = (weight + 0.15).min(0.9);
                }
                if m.category == "user.name" && m.term == "name" && table_is_person && words.len() == 1 {
                    weight = 0.6;
                }
            }
            scores.add(&m.category, signal("name", &m.term, weight));
        }
        // `nom_prenom`, `vardas_pavarde`, `first_last_name`: both parts of a name are the name.
        let has = |c: &str| matches.iter().any(|m| m.category == c);
        if has("user.name.first") && (has("user.name.last") || has("user.name")) {
            scores.add("user.name", signal("name", "a given name and a family name together", 0.85));
        }
        // `<person>_id`, `<person>_no`: account identifiers; the key of a person table too.
        let id_words = ["id", "no", "nr", "number", "num", "code", "key", "ref", "uuid"];
        let person_id = words.len() == 2
            && ((is_person_word(&words[0]) && id_words.contains(&words[1].as_str()))
                || (id_words.contains(&words[0].as_str()) && is_person_word(&words[1])));
        if matches.is_empty() && person_id {
            scores.add("user.unique_id", signal("name", &words.concat(), 0.6));
        }
        // The key of a table of persons, declared or by convention (`id`, `entity_id`,
        // `contactid`, `contact_id` in `contact`).
        // The table's own key (`id`, `entity_id`, `contactid`) is a person's when the table's
        // head noun names persons (not `customer_address_entity`: an address's key).
        let head = head.as_ref();
        let head_is_person = head.is_some_and(|h| is_person_word(h));
        let own_key = head_is_person
            && match words {
                [w] if w == "id" => true,
                [a, b] if (a == "entity" || head == Some(a)) && b == "id" => true,
                [w] => head.is_some_and(|t| *w == format!("{t}id")),
                _ => false,
            };
        if matches.is_empty() && table_is_person && (own_key || facts.primary_key && words.len() == 1 && words[0] == "id") {
            scores.add("user.unique_id", signal("table", "key of a table of persons", 0.6));
        }
        // A care provider in a health record is a person (a doctor, a nurse).
        if facts.table.health && words.len() == 2 && words[0] == "provider" && words[1] == "id" {
            scores.add("user.unique_id", signal("table", "a care provider of a health record", 0.6));
        }
    }

    fn value_signals(&self, facts: &ColumnFacts<'_>, words: &[String], health_table: bool, scores: &mut Scores) {
        let values: Vec<&str> = facts.values.iter().flatten().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
        let n = values.len();
        if n < self.config.min_values {
            return;
        }
        let maj = self.config.value_majority;
        let family = facts.type_family;
        let textual = matches!(family, "text" | "other" | "json" | "network" | "uuid" | "enum");
        let numeric_text = matches!(family, "text" | "other" | "integer" | "decimal" | "float");

        for rule in &self.rules {
            if let Some(re) = &rule.regex {
                let s = share(&values, maj, |v| re.is_match(v));
                if s >= maj {
                    scores.add(&rule.key, value_signal("custom value_regex", 0.8, s, n));
                }
            }
        }
        if textual {
            let s = share(&values, maj, validators::email);
            if s >= maj {
                scores.add("user.contact.email", value_signal("email syntax", 0.9, s, n));
            } else if s < 0.2 && n >= 10 && !json_documents(&values) {
                scores.add(
                    "user.contact.email",
                    Signal {
                        kind: "negative".into(),
                        rule: "values are not e-mail addresses".into(),
                        weight: 0.3,
                        share: Some(s),
                        sampled: Some(n),
                        country: None,
                    },
                );
            }
            let s = share(&values, maj, validators::iban);
            if s >= maj {
                scores.add("user.financial.bank_account", value_signal("IBAN mod-97", 0.92, s, n));
            }
            let s = share(&values, maj, |v| validators::ip(v).is_some());
            if s >= maj && version_like(&values, words) {
                scores.add(
                    "user.device.ip_address",
                    Signal {
                        kind: "negative".into(),
                        rule: "dotted numbers with small parts: release versions, not addresses".into(),
                        weight: 0.0,
                        share: Some(s),
                        sampled: Some(n),
                        country: None,
                    },
                );
            } else if s >= maj {
                let public = values.iter().filter(|v| validators::ip(v) == Some(IpKind::Public)).count();
                let public_share = public as f64 / n as f64;
                if public_share >= 0.5 {
                    scores.add("user.device.ip_address", value_signal("IP address (public)", 0.85, s, n));
                } else {
                    scores.add("user.device.ip_address", value_signal("IP address (private or reserved ranges only)", 0.45, s, n));
                }
            }
            let s = share(&values, maj, validators::mac);
            if s >= maj {
                scores.add("user.device.device_id", value_signal("MAC address", 0.8, s, n));
            }
            let s = share(&values, maj, validators::uuid);
            if s >= maj {
                let device_named =
                    words.iter().any(|w| ["device", "advertising", "ad", "idfa", "gaid", "aaid", "udid"].contains(&w.as_str()));
                if device_named {
                    scores.add("user.device.device_id", value_signal("UUID-shaped advertising/device id", 0.5, s, n));
                }
            }
            let s = share(&values, maj, validators::lat_lon);
            if s >= maj {
                scores.add("user.location.precise", value_signal("latitude and longitude in one value", 0.8, s, n));
            }
            self.json_signals(&values, scores);
            self.mixed_value_signals(&values, scores);
            // Diagnosis codes and blood groups: strong in a health record, weak elsewhere.
            let clinical = health_table || health::clinical_column(words, &[]);
            let s = share(&values, maj, health::icd10);
            if s >= maj {
                let dotted = share(&values, 0.5, health::icd10_dotted) >= 0.5;
                let weight = if clinical {
                    0.8
                } else if dotted {
                    0.55
                } else {
                    0.3
                };
                scores.add("user.health", value_signal("ICD-10 diagnosis codes", weight, s, n));
            }
            let s = share(&values, maj, health::blood_group);
            if s >= maj {
                scores.add("user.health", value_signal("blood groups", if clinical { 0.8 } else { 0.35 }, s, n));
            }
            let s = share(&values, maj, validators::credential);
            if s >= maj {
                scores.add("user.credentials", value_signal("password hash or token format", 0.85, s, n));
            }
            let s = share(&values, maj, validators::gender);
            if s >= maj {
                let distinct: std::collections::HashSet<String> = values.iter().map(|v| words::fold(v)).collect();
                if distinct.len() >= 2 {
                    scores.add("user.demographic.gender", value_signal("gender values", 0.55, s, n));
                }
            }
            self.name_value_signals(&values, maj, scores);
            self.free_text_signals(&values, scores);
        }
        if numeric_text {
            let s = share(&values, maj, validators::card_number);
            if s >= maj && share(&values, 0.5, validators::ean) < 0.5 {
                scores.add("user.financial.credit_card", value_signal("card number: issuer prefix and Luhn", 0.92, s, n));
            }
            let s = share(&values, maj, validators::phone);
            if s >= maj {
                scores.add("user.contact.phone_number", value_signal("phone number valid for its country", 0.85, s, n));
            }
            let s = share(&values, maj, validators::imei);
            if s >= maj {
                scores.add("user.device.device_id", value_signal("IMEI with Luhn", 0.85, s, n));
            }
            self.national_id_signal(&values, maj, scores);
            let s = share(&values, maj, |v| national::bank_account(v).is_some());
            if s >= maj {
                let mut sig = value_signal("domestic bank account number with its check digits", 0.85, s, n);
                sig.country = most_common(values.iter().filter_map(|v| national::bank_account(v)));
                scores.add("user.financial.bank_account", sig);
            }
            let s = share(&values, maj, validators::postal_code);
            if s >= maj {
                scores.add("user.contact.address.postal_code", value_signal("postal code format", 0.3, s, n));
            }
            let s = share(&values, maj, |v| validators::coordinate(v, 180.0));
            if s >= maj {
                scores.add("user.location.precise", value_signal("coordinate with 3+ decimals", 0.4, s, n));
            }
        }
        if matches!(family, "text" | "date" | "timestamp" | "timestamp_tz" | "other" | "integer") {
            self.birth_date_signal(&values, maj, scores);
        }
        // Filler values only (`0`, `-1`, `n/a`): the column holds nothing about anyone,
        // whatever its name says (OMOP `gender_source_concept_id` left at 0).
        if n >= 10
            && values.iter().all(|v| matches!(v.to_ascii_lowercase().as_str(), "0" | "-1" | "n/a" | "na" | "null" | "none" | "-" | "?"))
        {
            for signals in scores.by_category.values_mut() {
                signals.push(Signal {
                    kind: "negative".into(),
                    rule: "every sampled value is a filler such as 0, -1 or n/a".into(),
                    weight: 0.0,
                    share: Some(1.0),
                    sampled: Some(n),
                    country: None,
                });
            }
        }
        // A strong validator that fails on most values contradicts a name-only guess.
        let name_only_contradicted = [
            ("user.financial.credit_card", validators::card_number as fn(&str) -> bool),
            // Domestic account numbers without a national check are digit runs: not a contradiction.
            ("user.financial.bank_account", |v| {
                validators::iban(v)
                    || national::bank_account(v).is_some()
                    || (6..=34).contains(&v.chars().filter(char::is_ascii_digit).count())
                        && v.chars().all(|c| c.is_ascii_digit() || " -/.".contains(c))
            }),
        ];
        for (cat, f) in name_only_contradicted {
            if scores.by_category.get(cat).is_some_and(|s| s.iter().all(|x| x.kind != "values")) && n >= 10 {
                let s = share(&values, 0.2, f);
                if s < 0.2 {
                    scores.add(
                        cat,
                        Signal {
                            kind: "negative".into(),
                            rule: "sampled values do not validate".into(),
                            weight: 0.5,
                            share: Some(s),
                            sampled: Some(n),
                            country: None,
                        },
                    );
                }
            }
        }
    }

    /// Person names, cities and street addresses among the values. Names: most values must be
    /// shaped like names (one to four capitalised words, particles allowed) and the lexicon
    /// hits must be far more than chance would give: a one-sided binomial test against the
    /// rate at which other capitalised words (products, places) hit the lexicon. One hit, or a
    /// handful in a large sample, proves nothing.
    fn name_value_signals(&self, values: &[&str], maj: f64, scores: &mut Scores) {
        let n = values.len();
        let first = lexicon::first_names();
        let last = lexicon::last_names();
        let cities = lexicon::cities();
        let streets = lexicon::street_words();
        let capitalized = |t: &str| {
            t.chars().next().is_some_and(char::is_uppercase)
                && t.chars().skip(1).all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’' || c == '.')
        };
        let particle = |t: &str| t.chars().count() <= 4 && t.chars().all(|c| c.is_lowercase() || c == '\'' || c == '’');
        // Short upper-case codes (`EUR`, `AS`, `SV`) are codes, not names.
        let code = |t: &str| t.chars().count() <= 3 && t.chars().all(|c| c.is_uppercase());
        let mut companies = 0;
        let (mut shaped_one, mut shaped_many) = (0, 0);
        let (mut single_first, mut single_last, mut full, mut city, mut street) = (0, 0, 0, 0, 0);
        for v in values {
            let tokens: Vec<&str> = v.split([' ', ',']).filter(|t| !t.is_empty()).collect();
            let folded: Vec<String> = tokens.iter().map(|t| words::fold(t.trim_end_matches('.'))).collect();
            if tokens.iter().any(|t| lexicon::LEGAL_FORMS.contains(&t.replace('.', "").as_str())) {
                // `Virtanen Oy`, `Müller GmbH`: a company named after a person.
                companies += 1;
                continue;
            }
            if tokens.iter().all(|t| code(t)) {
                continue;
            }
            let is_first = |t: &String| first.contains(t.as_str()) || t.split('-').all(|p| first.contains(p));
            let is_last =
                |t: &String| (last.contains(t.as_str()) || t.split('-').all(|p| last.contains(p))) && !cities.contains(t.as_str());
            match tokens.len() {
                1 if capitalized(tokens[0]) => {
                    shaped_one += 1;
                    if cities.contains(folded[0].as_str()) {
                        city += 1;
                    } else if is_first(&folded[0]) {
                        single_first += 1;
                    } else if is_last(&folded[0]) {
                        single_last += 1;
                    }
                }
                2..=5 if tokens.iter().all(|t| capitalized(t) || particle(t)) && tokens.iter().any(|t| capitalized(t)) => {
                    shaped_many += 1;
                    if cities.contains(folded.concat().as_str()) {
                        city += 1;
                    } else if folded.iter().any(|t| is_first(t) || is_last(t)) {
                        // One known part is enough here (a rare given name beside a common
                        // surname); the test below asks for many such values.
                        full += 1;
                    }
                }
                _ => {}
            }
            let has_number = tokens.iter().any(|t| t.chars().any(|c| c.is_ascii_digit()));
            // A street word, or one ending a longer word (`Mannerheimintie`, `Hovedvej`): the
            // word's tails of three letters or more are looked up, with three or more before.
            let has_street_word = folded.iter().any(|t| {
                streets.contains(t.as_str())
                    || t.char_indices().skip(3).any(|(i, _)| t[i..].chars().count() >= 3 && streets.contains(&t[i..]))
            });
            if has_number && has_street_word && tokens.len() >= 2 {
                street += 1;
            }
        }
        let fr = |k: usize| k as f64 / n as f64;
        // How often capitalised words that are not names hit the lexicons, and how unlikely
        // the hits must be under that rate.
        const CHANCE: f64 = 0.2;
        const ALPHA: f64 = 1e-3;
        let significant = |k: usize| k * 5 >= n && lexicon::binomial_tail(n, k, CHANCE) < ALPHA;
        let need = maj.min(0.8);
        if companies * 5 >= n {
            // Names of companies, not of people.
            return;
        }
        if fr(shaped_one) >= need && single_first >= single_last && significant(single_first) {
            scores.add("user.name.first", value_signal("given names (lexicon hits far above chance)", 0.65, fr(single_first), n));
        } else if fr(shaped_one) >= need && single_last > single_first && significant(single_last) {
            scores.add("user.name.last", value_signal("family names (lexicon hits far above chance)", 0.55, fr(single_last), n));
        }
        if fr(shaped_many) >= need && significant(full) {
            scores.add("user.name", value_signal("full names (lexicon hits far above chance)", 0.7, fr(full), n));
        }
        if fr(shaped_one + shaped_many) >= need && fr(city) >= 0.5 {
            scores.add("user.contact.address.city", value_signal("city names", 0.45, fr(city), n));
        }
        if fr(street) >= maj.min(0.7) {
            scores.add("user.contact.address.street", value_signal("street name and house number", 0.6, fr(street), n));
        }
    }

    fn free_text_signals(&self, values: &[&str], scores: &mut Scores) {
        let n = values.len();
        let long = values.iter().filter(|v| v.len() >= 20 && v.contains(' ')).count();
        if (long as f64) < 0.6 * n as f64 {
            return;
        }
        let embedded = values
            .iter()
            .map(|v| strip_tags(v))
            .filter(|v| {
                let tokens: Vec<&str> = v.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')').collect();
                tokens.iter().any(|t| validators::email(t.trim_end_matches('.')))
                    || tokens.windows(2).chain(tokens.windows(3)).chain(tokens.windows(4)).any(|w| {
                        let joined = w.join(" ");
                        let j = joined.trim_end_matches('.');
                        (j.starts_with('+') && validators::phone(j)) || validators::iban(j)
                    })
                    || tokens.iter().any(|t| validators::iban(t.trim_end_matches('.')) || validators::card_number(t))
            })
            .count();
        let s = embedded as f64 / n as f64;
        if s >= 0.1 && embedded >= 2 {
            scores.add(
                "user.free_text_with_pii",
                value_signal("personal data inside free text (e-mail, phone, IBAN, card)", (0.45 + s).min(0.9), s, n),
            );
        }
    }

    /// Identity numbers: a majority of the values must pass one and the same scheme.
    fn national_id_signal(&self, values: &[&str], maj: f64, scores: &mut Scores) {
        let n = values.len();
        if share(values, maj, |v| national::schemes(v).next().is_some()) < maj {
            return;
        }
        let mut counts: BTreeMap<&'static str, (usize, &'static national::Scheme)> = BTreeMap::new();
        for v in values {
            for scheme in national::schemes(v) {
                counts.entry(scheme.name).or_insert((0, scheme)).0 += 1;
            }
        }
        let Some((count, scheme)) = counts.into_values().max_by_key(|(c, s)| (*c, !s.tax)) else { return };
        let s = count as f64 / n as f64;
        if s < maj {
            return;
        }
        let category = if scheme.tax { "user.government_id.tax_id" } else { "user.government_id.national_id" };
        let mut sig = value_signal(&format!("national id with check digits ({})", scheme.name), 0.9, s, n);
        sig.country = Some(scheme.country.to_string());
        scores.add(category, sig);
    }

    /// JSON documents: the leaves at each field path are checked like a column's values, and
    /// the path is named in the evidence (`billing.email`). One kind of personal data found
    /// gives that category; several give free text with personal data.
    fn json_signals(&self, values: &[&str], scores: &mut Scores) {
        let n = values.len();
        if !json_documents(values) {
            return;
        }
        let mut leaves: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut budget = 20_000usize;
        for v in values {
            if v.len() > 65_536 {
                continue;
            }
            if let Ok(doc) = serde_json::from_str::<serde_json::Value>(v) {
                json_leaves(&doc, String::new(), 0, &mut budget, &mut leaves);
            }
        }
        let mut found: Vec<(String, &'static str, &'static str, f64)> = Vec::new();
        for (path, vals) in &leaves {
            if vals.len() < self.config.min_values.max(3) {
                continue;
            }
            let vals: Vec<&str> = vals.iter().map(String::as_str).collect();
            let need = self.config.value_majority;
            let checks: [LeafCheck; 6] = [
                ("user.contact.email", "e-mail addresses", validators::email),
                ("user.contact.phone_number", "phone numbers", validators::phone),
                ("user.financial.bank_account", "IBANs", validators::iban),
                ("user.financial.credit_card", "card numbers", validators::card_number),
                ("user.government_id.national_id", "national ids", |v| national::schemes(v).next().is_some()),
                ("user.device.ip_address", "IP addresses", |v| validators::ip(v) == Some(IpKind::Public)),
            ];
            for (category, what, check) in checks {
                let s = share(&vals, need, check);
                if s >= need {
                    found.push((path.clone(), category, what, s));
                    break;
                }
            }
        }
        let distinct: std::collections::BTreeSet<&str> = found.iter().map(|f| f.1).collect();
        let several = distinct.len() > 1;
        for (path, category, what, s) in &found {
            let rule = format!("{what} inside JSON at `{path}`");
            let target = if several { "user.free_text_with_pii" } else { category };
            scores.add(target, value_signal(&rule, 0.8, *s, n));
        }
    }

    /// A column of mixed values (the `value` of a key-value table such as WordPress
    /// `wp_usermeta` or an attribute table) where a good share are e-mail addresses, phone
    /// numbers or IBANs, though no one kind makes a majority.
    fn mixed_value_signals(&self, values: &[&str], scores: &mut Scores) {
        let n = values.len();
        if n < 10 || json_documents(values) {
            return;
        }
        // Phone numbers here are those with a country code or a trunk prefix: trying every
        // numbering plan on every value of every column would cost more than it finds.
        let personal = values
            .iter()
            .filter(|v| {
                v.len() <= 64 && (validators::email(v) || validators::iban(v) || v.starts_with(['+', '0', '(']) && validators::phone(v))
            })
            .count();
        // A minority of one in ten or more: a column mostly of one kind is that kind's (or
        // its name's) business.
        if personal * 10 >= n && personal >= 3 && personal * 2 < n {
            let s = personal as f64 / n as f64;
            scores.add("user.free_text_with_pii", value_signal("e-mail addresses, phone numbers or IBANs among mixed values", 0.6, s, n));
        }
    }

    fn birth_date_signal(&self, values: &[&str], maj: f64, scores: &mut Scores) {
        let today = chrono::Utc::now().date_naive();
        let mut ages: Vec<i32> =
            values.iter().filter_map(|v| validators::date(v)).filter_map(|d| validators::age_years(d, today)).collect();
        let s = ages.len() as f64 / values.len() as f64;
        // `value_majority` may be configured as 0: no dates is never a majority.
        if s < maj || ages.is_empty() {
            return;
        }
        ages.sort_unstable();
        let q = |p: f64| ages[((ages.len() - 1) as f64 * p) as usize];
        let (p10, median, p90) = (q(0.1), q(0.5), q(0.9));
        // Birth dates of a population spread over decades and lie well in the past;
        // order or event dates cluster in recent years.
        if (16..=95).contains(&median) && p90 - p10 >= 8 && p10 >= 5 {
            // A large sample spread like a population's ages (adults of every generation) is
            // enough on its own; a small or narrow one needs a hint from the name.
            let population = ages.len() >= 30 && (25..=80).contains(&median) && p90 - p10 >= 15 && p10 >= 16;
            let weight = if population { 0.5 } else { 0.45 };
            scores.add("user.demographic.date_of_birth", value_signal("dates plausible as birth dates", weight, s, values.len()));
        }
    }
}

/// A check on the leaves at one JSON path: the category, what it found, the validator.
type LeafCheck = (&'static str, &'static str, fn(&str) -> bool);

/// Whether most values are JSON objects or arrays.
fn json_documents(values: &[&str]) -> bool {
    values.iter().filter(|v| v.starts_with(['{', '['])).count() * 2 >= values.len()
}

/// Collects the scalar leaves of a JSON document by dotted path (array items share their
/// array's path), within a depth and a total budget.
fn json_leaves(v: &serde_json::Value, path: String, depth: usize, budget: &mut usize, out: &mut BTreeMap<String, Vec<String>>) {
    if *budget == 0 || depth > 8 {
        return;
    }
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map {
                // Keys go into the evidence: one that may itself be data (an e-mail address or
                // a number used as a key, a long text) is written `*`.
                let digits = k.chars().filter(char::is_ascii_digit).count();
                let key: String = if k.contains('@') || digits * 2 > k.chars().count() || k.chars().count() > 40 {
                    "*".to_string()
                } else {
                    k.chars().filter(|c| !c.is_control()).collect()
                };
                let p = if path.is_empty() { key } else { format!("{path}.{key}") };
                json_leaves(child, p, depth + 1, budget, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter().take(50) {
                json_leaves(item, path.clone(), depth + 1, budget, out);
            }
        }
        serde_json::Value::String(s) => {
            *budget -= 1;
            out.entry(path).or_default().push(s.trim().to_string());
        }
        serde_json::Value::Number(x) => {
            *budget -= 1;
            out.entry(path).or_default().push(x.to_string());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(list: &[&str]) -> Vec<Option<String>> {
        list.iter().map(|s| Some(s.to_string())).collect()
    }

    /// The facts of a column with no comment, description or key, in a table known by name.
    fn facts<'a>(table: &'a str, column: &'a str, family: &'a str, values: &'a [Option<String>]) -> ColumnFacts<'a> {
        ColumnFacts {
            dataset: table,
            table: TableContext::from_name(table),
            column,
            data_type: family,
            type_family: family,
            comment: None,
            description: None,
            primary_key: false,
            values,
        }
    }

    fn classify(table: &str, column: &str, family: &str, values: &[Option<String>]) -> Option<String> {
        let c = Classifier::new(ClassifyConfig::default()).unwrap();
        c.classify(&facts(table, column, family, values)).map(|s| s.category)
    }

    #[test]
    fn names_alone() {
        assert_eq!(classify("customers", "email", "text", &[]).as_deref(), Some("user.contact.email"));
        assert_eq!(classify("kunden", "geburtsdatum", "date", &[]).as_deref(), Some("user.demographic.date_of_birth"));
        assert_eq!(classify("customers", "name", "text", &[]).as_deref(), Some("user.name"));
        assert_eq!(classify("orders", "customer_id", "integer", &[]).as_deref(), Some("user.unique_id"));
    }

    #[test]
    fn hard_negatives() {
        assert_eq!(
            classify("devices", "phone_model", "text", &vals(&["Pixel 8", "iPhone 15", "Galaxy S24", "Pixel 7", "Fairphone 5"])),
            None
        );
        assert_eq!(classify("stats", "email_sent_count", "integer", &vals(&["1", "4", "0", "12", "3"])), None);
        // A place of birth is not a date of birth; where a passport was issued is not its number.
        for (column, values) in [
            ("place_of_birth", ["Berlin", "Lyon", "Porto", "Graz", "Turku"]),
            ("lieu_de_naissance", ["Lyon", "Nantes", "Lille", "Nice", "Paris"]),
            ("luogo_di_nascita", ["Roma", "Bari", "Pisa", "Como", "Lecce"]),
            ("passport_issue_city", ["Madrid", "Sevilla", "Bilbao", "Vigo", "Murcia"]),
            ("birth_country", ["DE", "FR", "ES", "IT", "PL"]),
        ] {
            let got = classify("customers", column, "text", &vals(&values));
            assert!(
                !matches!(got.as_deref(), Some("user.demographic.date_of_birth" | "user.government_id.passport_number")),
                "{column}: {got:?}"
            );
        }
        // The date itself still is.
        assert_eq!(classify("customers", "date_of_birth", "date", &[]).as_deref(), Some("user.demographic.date_of_birth"));
        assert_eq!(classify("customers", "passport_no", "text", &[]).as_deref(), Some("user.government_id.passport_number"));
        assert_eq!(classify("net", "ip_pool_size", "integer", &vals(&["16", "32", "64", "16", "8"])), None);
        assert_eq!(classify("cfg", "mail_server_host", "text", &vals(&["smtp.example.org"; 5])), None);
        assert_eq!(classify("products", "product_name", "text", &vals(&["Green Tea", "Chef Knife", "Mug", "Kettle", "Puzzle"])), None);
        assert_eq!(
            classify("stores", "street", "text", &vals(&["Hauptstraße 5", "Rue Pasteur 3", "Via Roma 1", "High Street 9", "Kerkstraat 2"])),
            None
        );
        assert_eq!(
            classify(
                "products",
                "ean",
                "text",
                &vals(&["4006381333931", "4012345678901", "4000000000006", "4029764001807", "4005500001234"])
            ),
            None
        );
        assert_eq!(
            classify(
                "orders",
                "ordered_at",
                "timestamp",
                &vals(&["2024-05-01 10:00:00", "2025-01-02 11:00:00", "2024-12-24 09:00:00", "2023-07-07 08:00:00", "2025-03-03 12:00:00"])
            ),
            None
        );
    }

    fn describe(column: &str, description: &str) -> Option<String> {
        let c = Classifier::new(ClassifyConfig::default()).unwrap();
        c.classify(&ColumnFacts { description: Some(description), ..facts("t", column, "text", &[]) }).map(|s| s.category)
    }

    #[test]
    fn value_shapes() {
        // Birth dates as yyyymmdd integers and in national text forms.
        // Dates alone stay below the default threshold (a hire date is a date too), so these
        // are checked with a lower one.
        let low = Classifier::new(ClassifyConfig { threshold: 0.4, ..Default::default() }).unwrap();
        let dob = |family: &str, values: &[Option<String>]| {
            let facts = facts("t", "f7", family, values);
            low.classify(&facts).map(|s| s.category)
        };
        let ints = vals(&["19850312", "19620101", "19971130", "19440705", "20010214", "19781224", "19590909"]);
        assert_eq!(classify("t", "f7", "integer", &ints), None);
        assert_eq!(dob("integer", &ints).as_deref(), Some("user.demographic.date_of_birth"));
        let hu = vals(&["1985.03.12.", "1962.01.01.", "1997.11.30.", "1944.07.05.", "2001.02.14.", "1978.12.24."]);
        assert_eq!(dob("text", &hu).as_deref(), Some("user.demographic.date_of_birth"));
        let cz = vals(&["12. 3. 1985", "1. 1. 1962", "30. 11. 1997", "5. 7. 1944", "14. 2. 2001", "24. 12. 1978"]);
        assert_eq!(dob("text", &cz).as_deref(), Some("user.demographic.date_of_birth"));
        // Identity numbers of one scheme, by values alone.
        let hetu = vals(&["131052-308T", "131052-308T", "131052-308T", "131052-308T", "131052-308T"]);
        let got = Classifier::new(ClassifyConfig::default()).unwrap().classify(&facts("t", "f9", "text", &hetu));
        let got = got.expect("henkilötunnus");
        assert_eq!(got.category, "user.government_id.national_id");
        assert_eq!(got.evidence[0].country.as_deref(), Some("FI"));
        // Domestic bank accounts, and positions in one value.
        let nrb = vals(&["61 1090 1014 0000 0712 1981 2874"; 5]);
        assert_eq!(classify("t", "f10", "text", &nrb).as_deref(), Some("user.financial.bank_account"));
        let pos = vals(&["52.52001,13.40495", "48.13743,11.57549", "50.93753,6.96028", "53.55108,9.99368", "51.33970,12.37307"]);
        assert_eq!(classify("t", "f11", "text", &pos).as_deref(), Some("user.location.precise"));
        // Random digits of the same length are not identity numbers.
        let mut rng = 7u64;
        let random: Vec<Option<String>> = (0..100)
            .map(|_| {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                Some(format!("{:011}", (rng >> 20) % 100_000_000_000))
            })
            .collect();
        assert_eq!(classify("t", "f12", "text", &random), None);
    }

    #[test]
    fn names_among_values_need_hits_far_above_chance() {
        // Rare given names the lexicon lacks beside common family names: 40 known of 100 is far
        // above the 20 % chance rate.
        let people: Vec<Option<String>> = (0..100)
            .map(|i| {
                Some(if i % 5 < 2 {
                    format!("Zorvath{i} Virtanen").replace(char::is_numeric, "")
                } else {
                    format!("Quillon Xarbek{}", "a".repeat(i % 7))
                })
            })
            .collect();
        assert_eq!(classify("t", "c1", "text", &people).as_deref(), Some("user.name"));
        // Capitalised product names where a name turns up now and then (15 of 100): chance.
        let products: Vec<Option<String>> =
            (0..100).map(|i| Some(if i % 7 == 0 { "Anna Lamp".to_string() } else { format!("Oak Table{}", "s".repeat(i % 3)) })).collect();
        assert_eq!(classify("t", "c2", "text", &products), None);
        // Companies named after people carry a legal form.
        let companies: Vec<Option<String>> =
            (0..20).map(|i| Some(["Virtanen Oy", "Müller GmbH", "Nowak sp. z o.o.", "Rossi S.p.A."][i % 4].to_string())).collect();
        assert_eq!(classify("t", "c3", "text", &companies), None);
    }

    #[test]
    fn personal_data_inside_json_names_the_path() {
        let docs: Vec<Option<String>> = (0..10)
            .map(|i| Some(format!(r#"{{"billing":{{"email":"person{i}@example.org","country":"DE"}},"items":[{{"sku":"A-{i}"}}]}}"#)))
            .collect();
        let c = Classifier::new(ClassifyConfig::default()).unwrap();
        let s = c.classify(&facts("quote_payment", "additional_information", "text", &docs)).expect("e-mail inside JSON");
        assert_eq!(s.category, "user.contact.email");
        assert!(s.evidence.iter().any(|e| e.rule.contains("`billing.email`")), "{:?}", s.evidence);
        // Keys that may be data themselves never reach the evidence.
        let keyed: Vec<Option<String>> =
            (0..10).map(|i| Some(format!(r#"{{"person{i}@example.org":{{"mail":"person{i}@example.org"}}}}"#))).collect();
        let s = c.classify(&facts("t", "doc", "json", &keyed)).expect("e-mail inside JSON");
        let evidence = serde_json::to_string(&s.evidence).unwrap();
        assert!(!evidence.contains("example.org"), "{evidence}");
        assert!(evidence.contains("`*.mail`"), "{evidence}");
    }

    #[test]
    fn health_from_context() {
        let icd = vals(&["E11", "I10", "J45", "K21", "M54", "F32", "E78"]);
        assert_eq!(classify("condition_occurrence", "condition_source_value", "text", &icd).as_deref(), Some("user.health"));
        assert_eq!(classify("patients", "c3", "text", &icd).as_deref(), Some("user.health"));
        // The same shapes in a warehouse are shelf codes.
        assert_eq!(classify("warehouse_bins", "bin", "text", &icd), None);
        let blood = vals(&["A+", "0-", "B+", "AB-", "A-", "0+"]);
        assert_eq!(classify("donors", "grp", "text", &blood).as_deref(), Some("user.health"));
        assert_eq!(classify("students", "grade", "text", &blood), None);
    }

    #[test]
    fn descriptions_say_what_a_column_holds() {
        assert_eq!(describe("c1", "Caller number, E.164").as_deref(), Some("user.contact.phone_number"));
        assert_eq!(describe("c2", "The customer's e-mail address").as_deref(), Some("user.contact.email"));
        assert_eq!(describe("c3", "Address type code (1 = billing, 2 = shipping)"), None);
        assert_eq!(describe("c4", "Whether the email bounced"), None);
        assert_eq!(describe("c5", "Number of phone calls this month"), None);
    }

    #[test]
    fn versions_and_product_tokens_are_not_personal() {
        let versions = vals(&["10.2.0.4", "10.2.0.4", "11.2.0.4", "12.1.0.2", "10.2.0.4", "12.1.0.2", "19.3.0.0", "11.2.0.4"]);
        assert_eq!(classify("systems", "db_release", "text", &versions), None);
        assert_eq!(classify("systems", "x1", "text", &versions), None);
        let public_ips = vals(&["81.2.69.160", "93.184.216.34", "151.101.1.69", "185.15.58.224", "62.157.140.133"]);
        assert_eq!(classify("sessions", "remote_addr", "text", &public_ips).as_deref(), Some("user.device.ip_address"));
        let tokens = vals(&["PRD-7F3A-21", "PRD-9B1C-07", "PRD-0D4E-33", "PRD-5A2F-18", "PRD-6C8B-40"]);
        assert_eq!(classify("products", "product_token", "text", &tokens), None);
        assert_eq!(classify("licenses", "license_token", "text", &tokens), None);
        let hashes = vals(&["$P$BZzTwQVeIA1ksw3ZCcHpOdMWMv1YdL0"; 5]);
        assert_eq!(classify("wp_users", "user_pass", "text", &hashes).as_deref(), Some("user.credentials"));
    }

    #[test]
    fn custom_categories_from_configuration() {
        let config: crate::config::Config = toml::from_str(
            "[classify]\nthreshold = 0.5\n[[classify.custom]]\nkey = \"user.loyalty_card\"\nlabel = \"loyalty card\"\nname_patterns = [\"bonus card no\"]\nvalue_regex = \"LC-[0-9]{8}\"\n",
        )
        .unwrap();
        let c = Classifier::new(config.classify).unwrap();
        assert!(c.taxonomy().get("user.loyalty_card").is_ok());
        let values = vals(&["LC-12345678", "LC-87654321", "LC-11112222", "LC-33334444", "LC-55556666"]);
        let facts = |column: &'static str, values: &'static [Option<String>]| facts("members", column, "text", values);
        let values: &'static [Option<String>] = Box::leak(values.into_boxed_slice());
        assert_eq!(c.classify(&facts("x1", values)).map(|s| s.category).as_deref(), Some("user.loyalty_card"));
        assert_eq!(c.classify(&facts("BonusCardNo", &[])).map(|s| s.category).as_deref(), Some("user.loyalty_card"));
        let bad = ClassifyConfig {
            custom: vec![CustomCategory { key: "Loyalty".into(), label: None, special: false, name_patterns: vec![], value_regex: None }],
            ..Default::default()
        };
        assert!(matches!(Classifier::new(bad), Err(ClassifyError::BadKey(_))));
        let bad = ClassifyConfig {
            custom: vec![CustomCategory {
                key: "user.x".into(),
                label: None,
                special: false,
                name_patterns: vec![],
                value_regex: Some("(".into()),
            }],
            ..Default::default()
        };
        assert!(matches!(Classifier::new(bad), Err(ClassifyError::BadRegex { .. })));
    }

    #[test]
    fn values_alone() {
        let emails = vals(&["a.b@example.org", "c@d.de", "x.y@web.de", "q@z.fr", "m.n@o.it"]);
        assert_eq!(classify("t", "c7", "text", &emails).as_deref(), Some("user.contact.email"));
        let ibans = vals(&[
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "DE89370400440532013000",
        ]);
        assert_eq!(classify("t", "c8", "text", &ibans).as_deref(), Some("user.financial.bank_account"));
        let dnis = vals(&["12345678Z", "X1234567L", "12345678Z", "X1234567L", "12345678Z"]);
        assert_eq!(classify("t", "c9", "text", &dnis).as_deref(), Some("user.government_id.national_id"));
        let names = vals(&["Anna Müller", "Lukas Schmidt", "Camille Martin", "Oliver Smith", "Zuzanna Nowak"]);
        assert_eq!(classify("t", "c10", "text", &names).as_deref(), Some("user.name"));
    }
}
