//! PII classification: combines column and table names (multilingual vocabulary), source
//! comments and curated descriptions, declared types and validated sample values into one
//! category per column with a confidence and the evidence behind it. Evidence never holds
//! a sampled value: only which rule fired, shares and counts.

pub mod languages;
pub mod lexicon;
pub mod taxonomy;
pub mod validators;
pub mod words;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
}

impl<'a> ColumnFacts<'a> {
    /// The facts of a scanned column, with its curated description when there is one.
    pub fn scanned(dataset: &'a almanac_scanners::Dataset, column: &'a almanac_scanners::Column, description: Option<&'a str>) -> Self {
        ColumnFacts {
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
    cat.starts_with("user.contact") || cat.starts_with("user.name") || cat == "user.unique_id"
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
        ),
        "decimal" | "float" => matches!(cat, "user.location.precise" | "user.unique_id" | "user.financial.credit_card"),
        "date" | "timestamp" | "timestamp_tz" => cat == "user.demographic.date_of_birth",
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
        let table_words = split_identifier(facts.dataset);
        let table_is_person = table_words.iter().any(|w| is_person_word(w));
        let table_is_thing = !table_is_person && table_words.iter().any(|w| is_non_person_word(w));

        self.name_signals(&words, table_is_person, table_is_thing, facts, &mut scores);
        for (kind, text) in [("comment", facts.comment), ("description", facts.description)] {
            if let Some(text) = text {
                let w = split_identifier(text);
                let found: Vec<_> = match_terms(&w, &self.terms).into_iter().filter(|m| m.weight >= 0.5).collect();
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
        self.value_signals(facts, &words, &mut scores);

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
            if confidence >= self.config.threshold && best.as_ref().is_none_or(|b| confidence > b.confidence) {
                best = Some(Suggestion { category, confidence, evidence: signals });
            }
        }
        best
    }

    fn name_signals(&self, words: &[String], table_is_person: bool, table_is_thing: bool, facts: &ColumnFacts<'_>, scores: &mut Scores) {
        let matches = match_terms(words, &self.terms);
        for m in &matches {
            let outside = || words.iter().enumerate().filter(move |(i, _)| *i < m.start || *i >= m.end).map(|(_, w)| w.as_str());
            let mut weight = m.weight;
            if let Some(modifier) = outside().find(|w| MODIFIERS.contains(w)) {
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
        // `<person>_id`, `<person>_no`: account identifiers; the key of a person table too.
        let id_words = ["id", "no", "nr", "number", "num", "code", "key", "ref", "uuid"];
        let person_id = words.len() == 2
            && ((is_person_word(&words[0]) && id_words.contains(&words[1].as_str()))
                || (id_words.contains(&words[0].as_str()) && is_person_word(&words[1])));
        if matches.is_empty() && person_id {
            scores.add("user.unique_id", signal("name", &words.concat(), 0.6));
        }
        if matches.is_empty() && facts.primary_key && table_is_person && words.len() == 1 && words[0] == "id" {
            scores.add("user.unique_id", signal("table", "key of a table of persons", 0.6));
        }
    }

    fn value_signals(&self, facts: &ColumnFacts<'_>, words: &[String], scores: &mut Scores) {
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
            } else if s < 0.2 && n >= 10 {
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
            if s >= maj {
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
            let mut countries: BTreeMap<&'static str, usize> = BTreeMap::new();
            let s = share(&values, maj, |v| validators::national_id(v).is_some());
            if s >= maj {
                for v in &values {
                    if let Some(c) = validators::national_id(v) {
                        *countries.entry(c).or_default() += 1;
                    }
                }
                let country = countries.iter().max_by_key(|(_, c)| **c).map(|(k, _)| k.to_string());
                let mut sig = value_signal("national id with check digits", 0.85, s, n);
                sig.country = country;
                scores.add("user.government_id.national_id", sig);
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
        if matches!(family, "text" | "date" | "timestamp" | "timestamp_tz" | "other") {
            self.birth_date_signal(&values, maj, scores);
        }
        // A strong validator that fails on most values contradicts a name-only guess.
        let name_only_contradicted = [
            ("user.financial.credit_card", validators::card_number as fn(&str) -> bool),
            ("user.financial.bank_account", validators::iban),
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

    fn name_value_signals(&self, values: &[&str], maj: f64, scores: &mut Scores) {
        let n = values.len();
        let first = lexicon::first_names();
        let last = lexicon::last_names();
        let capitalized = |t: &str| {
            t.chars().next().is_some_and(char::is_uppercase) && t.chars().skip(1).all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        };
        let (mut single_first, mut single_last, mut full, mut city, mut street) = (0, 0, 0, 0, 0);
        for v in values {
            let tokens: Vec<&str> = v.split([' ', ',']).filter(|t| !t.is_empty()).collect();
            let folded: Vec<String> = tokens.iter().map(|t| words::fold(t)).collect();
            match tokens.len() {
                1 if capitalized(tokens[0]) => {
                    if first.contains(folded[0].as_str()) {
                        single_first += 1;
                    } else if last.contains(folded[0].as_str()) {
                        single_last += 1;
                    }
                    if lexicon::cities().contains(folded[0].as_str()) {
                        city += 1;
                    }
                }
                2..=4 if tokens.iter().all(|t| capitalized(t) || t.len() <= 3) => {
                    let comma_form = v.contains(',') && first.contains(folded[folded.len() - 1].as_str());
                    if first.contains(folded[0].as_str()) || comma_form {
                        full += 1;
                    }
                    if lexicon::cities().contains(folded.concat().as_str()) {
                        city += 1;
                    }
                }
                _ => {}
            }
            let has_number = tokens.iter().any(|t| t.chars().any(|c| c.is_ascii_digit()));
            let has_street_word = folded.iter().any(|t| {
                let t = t.trim_end_matches('.');
                lexicon::STREET_WORDS.contains(&t) || lexicon::STREET_WORDS.iter().any(|s| s.len() >= 5 && t.ends_with(s))
            });
            if has_number && has_street_word && tokens.len() >= 2 {
                street += 1;
            }
        }
        let fr = |k: usize| k as f64 / n as f64;
        let need = maj.min(0.7);
        if fr(single_first) >= need {
            scores.add("user.name.first", value_signal("first names from the name lexicon", 0.65, fr(single_first), n));
        }
        if fr(single_last) >= 0.5 {
            scores.add("user.name.last", value_signal("surnames from the name lexicon", 0.5, fr(single_last), n));
        }
        if fr(full) >= need {
            scores.add("user.name", value_signal("full names beginning with a known first name", 0.7, fr(full), n));
        }
        if fr(city) >= need {
            scores.add("user.contact.address.city", value_signal("city names", 0.45, fr(city), n));
        }
        if fr(street) >= need {
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
            scores.add("user.demographic.date_of_birth", value_signal("dates plausible as birth dates", 0.45, s, values.len()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(list: &[&str]) -> Vec<Option<String>> {
        list.iter().map(|s| Some(s.to_string())).collect()
    }

    fn classify(table: &str, column: &str, family: &str, values: &[Option<String>]) -> Option<String> {
        let c = Classifier::new(ClassifyConfig::default()).unwrap();
        c.classify(&ColumnFacts {
            dataset: table,
            column,
            data_type: family,
            type_family: family,
            comment: None,
            description: None,
            primary_key: false,
            values,
        })
        .map(|s| s.category)
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

    #[test]
    fn custom_categories_from_configuration() {
        let config: crate::config::Config = toml::from_str(
            "[classify]\nthreshold = 0.5\n[[classify.custom]]\nkey = \"user.loyalty_card\"\nlabel = \"loyalty card\"\nname_patterns = [\"bonus card no\"]\nvalue_regex = \"LC-[0-9]{8}\"\n",
        )
        .unwrap();
        let c = Classifier::new(config.classify).unwrap();
        assert!(c.taxonomy().get("user.loyalty_card").is_ok());
        let values = vals(&["LC-12345678", "LC-87654321", "LC-11112222", "LC-33334444", "LC-55556666"]);
        let facts = |column: &'static str, values: &'static [Option<String>]| ColumnFacts {
            dataset: "members",
            column,
            data_type: "text",
            type_family: "text",
            comment: None,
            description: None,
            primary_key: false,
            values,
        };
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
