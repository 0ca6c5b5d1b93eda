//! What a plan does with each dataset of a subject's footprint in one source: the policy in
//! force for it, adjusted so kept rows stay whole (a row kept keeps the rows it references;
//! rows that only reference kept rows are kept with them), the strategy for each personal
//! column of an anonymised dataset chosen against the live schema, and the coverage of every
//! personal column, which an approval needs complete.

use super::footprint::{show, FootprintDataset, Reach, Selection, TableKey};
use super::policy::{self, Hold, PolicyAction, Resolved, StoredPolicy, Strategy};
use almanac_scanners::TypeFamily;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Categories that do not name a person alone but may together (postal code, birth date,
/// gender, city, street, precise location).
const QUASI_IDENTIFIERS: [&str; 6] = [
    "user.contact.address.postal_code",
    "user.demographic.date_of_birth",
    "user.demographic.gender",
    "user.contact.address.city",
    "user.contact.address.street",
    "user.location.precise",
];

/// Categories that name a person by themselves: never kept in a kept row.
const IDENTIFYING: [&str; 6] = [
    "user.contact.email",
    "user.contact.phone_number",
    "user.government_id.national_id",
    "user.government_id.passport_number",
    "user.government_id.tax_id",
    "user.financial.bank_account",
];

/// One column of a kept row and what is written into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnAnonymization {
    pub column: String,
    pub with: Strategy,
    /// `anonymises`, `pseudonymises` or `exempt`.
    pub effect: String,
    /// The column's length limit, which written values respect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
    /// The column holds integers (fixed and fake values are written as numbers).
    #[serde(default)]
    pub integer: bool,
}

/// How the plan handles one personal-data column of the footprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnCoverage {
    pub dataset: String,
    pub column: String,
    pub categories: Vec<String>,
    /// `delete`, `anonymize: fake (anonymises)`, `retain: Art. 17(3)(b) until ...`,
    /// `exempt: REASON`, or why it is not handled.
    pub handling: String,
    pub handled: bool,
}

/// The decision for one dataset.
#[derive(Debug, Clone)]
pub(super) struct Decision {
    pub action: PolicyAction,
    pub origin: String,
    pub hold: Option<Hold>,
    /// For `anonymize`: the columns written (exemptions included, with `keep`).
    pub columns: Vec<ColumnAnonymization>,
}

/// The decisions for one source's footprint.
pub(super) struct Decisions {
    pub by_table: BTreeMap<TableKey, Decision>,
    pub coverage: Vec<ColumnCoverage>,
    pub warnings: Vec<String>,
}

impl Decisions {
    /// The dataset's rows are kept (anonymised or held), not deleted.
    pub fn kept(&self, table: &TableKey) -> bool {
        self.by_table.get(table).is_some_and(|d| d.action != PolicyAction::Delete)
    }
}

/// Decides every dataset of the footprint with rows of the subject.
pub(super) fn decide(
    source: &str,
    found: &[FootprintDataset],
    selections: &BTreeMap<TableKey, Selection>,
    categories: &HashMap<TableKey, BTreeMap<String, Vec<String>>>,
    policies: &BTreeMap<String, StoredPolicy>,
    today: NaiveDate,
) -> Decisions {
    let own: Vec<&FootprintDataset> = found.iter().filter(|d| d.rows > 0).collect();
    let key = |d: &FootprintDataset| (d.namespace.clone(), d.dataset.clone());
    let by_shown: HashMap<String, TableKey> = own.iter().map(|d| (show(&key(d)), key(d))).collect();
    let parents = |d: &FootprintDataset| -> Vec<TableKey> {
        let mut p: Vec<TableKey> = d
            .reached_by
            .iter()
            .filter_map(|r| if let Reach::ForeignKey { parent, .. } = r { by_shown.get(parent).cloned() } else { None })
            .filter(|p| *p != key(d))
            .collect();
        p.dedup();
        p
    };
    let mut resolved: BTreeMap<TableKey, Resolved> = own
        .iter()
        .map(|d| {
            let name = crate::catalog::names::QualifiedName::dataset(source, &d.namespace, &d.dataset).to_string();
            (key(d), policy::resolve(policies, source, &name, today))
        })
        .collect();
    let kept_like = |r: &Resolved, origin: String| Resolved {
        action: if r.hold.is_some() { PolicyAction::Retain } else { PolicyAction::Anonymize },
        columns: BTreeMap::new(),
        hold: r.hold.clone(),
        origin,
        own: false,
    };
    // Until nothing changes (each round only turns deletions into keeping, so it ends).
    loop {
        let mut changed = false;
        for d in &own {
            let k = key(d);
            let ps = parents(d);
            let only_through_keys = !d.reached_by.is_empty() && d.reached_by.iter().all(|r| matches!(r, Reach::ForeignKey { .. }));
            // Rows that are the subject's only by referencing kept rows are kept with them.
            let inherits = !resolved[&k].own && resolved[&k].action == PolicyAction::Delete && only_through_keys && !ps.is_empty();
            if inherits && ps.iter().all(|p| resolved[p].action != PolicyAction::Delete) {
                let held = ps.iter().filter_map(|p| resolved[p].hold.clone()).max_by_key(|h| h.until);
                let names: Vec<String> = ps.iter().map(show).collect();
                let template = Resolved { hold: held, ..resolved[&ps[0]].clone() };
                let r = kept_like(&template, format!("kept with {}: its rows only reference rows kept there", names.join(", ")));
                resolved.insert(k.clone(), r);
                changed = true;
            }
            // A row kept keeps the rows it references; a held row keeps them as they are (held
            // with it), since its selection and its meaning go through them.
            if resolved[&k].action != PolicyAction::Delete {
                let held = resolved[&k].action == PolicyAction::Retain;
                for p in &ps {
                    let weaker = resolved[p].action == PolicyAction::Delete || (held && resolved[p].action == PolicyAction::Anonymize);
                    if weaker {
                        let r = kept_like(&resolved[&k], format!("kept: kept rows of {} reference them", show(&k)));
                        resolved.insert(p.clone(), r);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }

    let mut by_table = BTreeMap::new();
    let mut coverage = Vec::new();
    let mut warnings = Vec::new();
    for d in &own {
        let k = key(d);
        let r = &resolved[&k];
        let dataset = crate::catalog::names::QualifiedName::dataset(source, &d.namespace, &d.dataset).to_string();
        let personal = categories.get(&k);
        let mut cover = |column: &str, handling: String, handled: bool| {
            let cats = personal.and_then(|p| p.get(column)).cloned().unwrap_or_default();
            coverage.push(ColumnCoverage { dataset: dataset.clone(), column: column.to_string(), categories: cats, handling, handled });
        };
        let mut columns = Vec::new();
        match r.action {
            PolicyAction::Delete => {
                for c in personal.into_iter().flat_map(|p| p.keys()) {
                    cover(c, "delete".into(), true);
                }
            }
            PolicyAction::Retain => {
                let h = r.hold.as_ref();
                let what = h.map(|h| format!("retain: {} ({}) until {}", h.ground.article(), h.statute, h.until)).unwrap_or_default();
                for c in personal.into_iter().flat_map(|p| p.keys()) {
                    cover(c, what.clone(), true);
                }
            }
            PolicyAction::Anonymize => {
                let Some(selection) = selections.get(&k) else { continue };
                let mut left_quasi = Vec::new();
                for col in &selection.live {
                    let cats = personal.and_then(|p| p.get(&col.name));
                    let chosen = r.columns.get(&col.name);
                    if cats.is_none() && chosen.is_none() {
                        continue;
                    }
                    match column_strategy(col, cats.map(Vec::as_slice).unwrap_or_default(), chosen, selection) {
                        Ok(a) => {
                            let handling = match &a.with {
                                Strategy::Keep { reason } => format!("exempt: {reason}"),
                                s => format!("anonymize: {} ({})", strategy_name(s), s.effect()),
                            };
                            if matches!(a.with, Strategy::Keep { .. } | Strategy::Hash)
                                && cats.is_some_and(|c| c.iter().any(|c| QUASI_IDENTIFIERS.contains(&c.as_str())))
                            {
                                left_quasi.push(col.name.clone());
                            }
                            cover(&col.name, handling, true);
                            columns.push(a);
                        }
                        Err(why) => cover(&col.name, format!("not handled: {why}"), false),
                    }
                }
                if left_quasi.len() >= 2 {
                    warnings.push(format!(
                        "the kept rows of {dataset} keep {} as they are (or pseudonymised): together such columns (postal code, birth date, gender, city) may still identify the person",
                        left_quasi.join(", ")
                    ));
                }
            }
        }
        by_table.insert(k, Decision { action: r.action, origin: r.origin.clone(), hold: r.hold.clone(), columns });
    }
    Decisions { by_table, coverage, warnings }
}

fn strategy_name(s: &Strategy) -> &'static str {
    match s {
        Strategy::Null => "null",
        Strategy::Fixed { .. } => "fixed value",
        Strategy::Hash => "keyed hash",
        Strategy::Fake => "fake value of the same shape",
        Strategy::Keep { .. } => "keep",
    }
}

/// The length limit a declared type sets (`character varying(40)`, `NVARCHAR(40)`), for text.
pub(super) fn max_chars(data_type: &str) -> Option<usize> {
    let open = data_type.find('(')?;
    let close = data_type[open..].find(')')? + open;
    data_type[open + 1..close].trim().parse().ok()
}

/// The strategy for one column (the one a policy chose, else one from the live schema),
/// checked against the column: NOT NULL, UNIQUE, its type and its length limit.
fn column_strategy(
    col: &almanac_scanners::Column,
    categories: &[String],
    chosen: Option<&Strategy>,
    selection: &Selection,
) -> Result<ColumnAnonymization, String> {
    let text = col.type_family == TypeFamily::Text;
    let integer = col.type_family == TypeFamily::Integer;
    let limit = if text { max_chars(&col.data_type) } else { None };
    let is_key = selection.key_columns.contains(&col.name);
    // A value that names the person by itself must not stay in a kept row.
    let identifying = categories.iter().any(|c| IDENTIFYING.contains(&c.as_str()));
    let with = match chosen {
        Some(Strategy::Keep { .. }) if identifying => {
            return Err(
                "holds an identifier (e-mail, phone, government id): it cannot stay in a kept row; choose a strategy or delete the rows"
                    .into(),
            )
        }
        Some(Strategy::Keep { reason }) => Strategy::Keep { reason: reason.clone() },
        Some(_) if is_key => {
            return Err("a key column: changing it would break the rows it links; keep it (keep:REASON) or delete the rows".into())
        }
        Some(s) => s.clone(),
        None if is_key && integer && !identifying => Strategy::Keep {
            reason: "an integer key: it links the kept rows and names nobody once their personal columns are anonymised".into(),
        },
        None if is_key => return Err("a key column holding personal data: keep it with a reason (keep:REASON) or delete the rows".into()),
        None if col.nullable => Strategy::Null,
        None if text || integer => Strategy::Fake,
        None => return Err(format!("cannot be NULL and has no fake value of its type ({}): give a fixed value", col.data_type)),
    };
    match &with {
        Strategy::Null if !col.nullable => return Err("cannot be NULL".into()),
        Strategy::Fixed { value } => {
            if col.unique || col.primary_key {
                return Err("holds unique values: one fixed value would repeat".into());
            }
            if integer && value.trim().parse::<i64>().is_err() {
                return Err("holds integers: the fixed value is not one".into());
            }
            if !text && !integer {
                return Err(format!("fixed values are written into text and integer columns, not {}", col.data_type));
            }
            if limit.is_some_and(|l| value.chars().count() > l) {
                return Err(format!("the fixed value is longer than the column's limit ({})", col.data_type));
            }
        }
        Strategy::Hash if !text => return Err("keyed hashes are written into text columns".into()),
        Strategy::Hash if limit.is_some_and(|l| l < 16) => {
            return Err(format!("{} is too short for a keyed hash (16 characters at least)", col.data_type))
        }
        Strategy::Fake if !text && !integer => {
            return Err(format!("fake values are made for text and integer columns, not {}", col.data_type))
        }
        _ => {}
    }
    if matches!(with, Strategy::Hash | Strategy::Fake) && selection.key.is_none() {
        return Err("the dataset has no single-column primary key to update its rows one by one: use null or a fixed value".into());
    }
    let effect = with.effect().to_string();
    Ok(ColumnAnonymization { column: col.name.clone(), with, effect, max_chars: limit, integer })
}

/// A value of the same shape as `value`: letters and digits replaced by random ones of the
/// same kind, everything else kept; at most `max_chars` characters.
pub(super) fn fake_value(value: &str, max_chars: Option<usize>, random: &mut impl FnMut() -> u32) -> String {
    let mut out: String = value
        .chars()
        .map(|c| {
            let r = random();
            if c.is_ascii_digit() {
                char::from(b'0' + (r % 10) as u8)
            } else if c.is_uppercase() {
                char::from(b'A' + (r % 26) as u8)
            } else if c.is_alphabetic() {
                char::from(b'a' + (r % 26) as u8)
            } else {
                c
            }
        })
        .collect();
    if let Some(l) = max_chars {
        out = out.chars().take(l).collect();
    }
    out
}

/// A random integer with as many digits as `value` (and its sign), never with a leading zero
/// and never larger in magnitude than `value`, so it fits wherever `value` did.
pub(super) fn fake_integer(value: &str, random: &mut impl FnMut() -> u32) -> i64 {
    let magnitude: String = value.trim().trim_start_matches('-').chars().filter(char::is_ascii_digit).collect();
    let first = magnitude.chars().next().and_then(|c| c.to_digit(10)).unwrap_or(9);
    // The leading digit below the original's, the rest free; when it is a 1, one digit fewer.
    let (digits, lead) = match (magnitude.len().clamp(1, 18), first) {
        (1, _) => (1, 9),
        (d, f) if f > 1 => (d, f - 1),
        (d, _) => (d - 1, 9),
    };
    let mut n: i64 = 0;
    for i in 0..digits {
        let d = i64::from(random() % 10);
        n = n * 10 + if i == 0 && digits > 1 { i64::from(random() % lead) + 1 } else { d };
    }
    if value.trim().starts_with('-') {
        -n
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_values_keep_the_shape_and_the_limit() {
        let mut seed = 7u32;
        let mut random = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            seed >> 8
        };
        let v = fake_value("Leonie.Kohler+2@surfeu.de", None, &mut random);
        assert_eq!(v.len(), "Leonie.Kohler+2@surfeu.de".len());
        assert_eq!(v.chars().filter(|c| *c == '@').count(), 1);
        assert!(v.chars().next().unwrap().is_ascii_uppercase());
        assert_ne!(v, "Leonie.Kohler+2@surfeu.de");
        // Any Unicode becomes ASCII of the same kind; the limit holds.
        assert_eq!(fake_value("Ünïcødé 东京 ☃", Some(5), &mut random).chars().count(), 5);
        let n = fake_integer("-4711", &mut random);
        assert!((-9999..=-1000).contains(&n), "{n}");
        assert_eq!(max_chars("character varying(40)"), Some(40));
        assert_eq!(max_chars("NVARCHAR(60)"), Some(60));
        assert_eq!(max_chars("text"), None);
    }
}
