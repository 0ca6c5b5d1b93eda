//! Bounds on what one GraphQL document may ask for, beyond async-graphql's depth and
//! complexity limits, checked on the parsed document before it runs:
//! - introspection (`__schema`, `__type`) counts towards the complexity limit: async-graphql
//!   leaves it out, and 500 aliased introspections made a 30 MB answer;
//! - audited listings (`personalData`) are few per request, so aliases cannot turn one
//!   request into a thousand audit entries;
//! - searches are few per request, for the same reason;
//! - the number of fields asked for in all (aliases make one field many).

use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet, VariableDefinition};
use async_graphql::{Positioned, Value, Variables};
use std::collections::HashSet;

/// What one introspection field counts towards the complexity limit: about the number of
/// values a full introspection of this schema returns.
pub const INTROSPECTION_COST: usize = 2_000;
/// Most audited personal-data listings in one request.
pub const MAX_AUDITED_LISTINGS: usize = 5;
/// Most searches in one request: each is a pass over the index, which aliases would multiply.
pub const MAX_SEARCHES: usize = 10;
/// Most fields (each alias counts) in one request, fragments expanded.
pub const MAX_FIELDS: usize = 5_000;
/// Root fields whose every use writes an audit entry.
const AUDITED_FIELDS: &[&str] = &["personalData"];

#[derive(Default)]
struct Count {
    fields: usize,
    introspection: usize,
    audited: usize,
    searches: usize,
}

fn walk(doc: &ExecutableDocument, set: &SelectionSet, root: bool, count: &mut Count, active: &mut HashSet<String>) {
    for item in &set.items {
        if count.fields > MAX_FIELDS {
            return;
        }
        match &item.node {
            Selection::Field(f) => {
                count.fields += 1;
                let name = f.node.name.node.as_str();
                if root && (name == "__schema" || name == "__type") {
                    count.introspection += 1;
                }
                if root && AUDITED_FIELDS.contains(&name) {
                    count.audited += 1;
                }
                if root && name == "search" {
                    count.searches += 1;
                }
                walk(doc, &f.node.selection_set.node, false, count, active);
            }
            Selection::InlineFragment(inline) => walk(doc, &inline.node.selection_set.node, root, count, active),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                // A fragment that spreads itself is invalid (validation says so later); here
                // it must only not loop.
                if active.contains(&name) {
                    continue;
                }
                if let Some(fragment) = doc.fragments.get(spread.node.fragment_name.node.as_str()) {
                    active.insert(name.clone());
                    walk(doc, &fragment.node.selection_set.node, root, count, active);
                    active.remove(&name);
                }
            }
        }
    }
}

/// Fields whose cost is their page size (`first`, 50 when not given) times their selection's:
/// the schema declares the same.
const PAGED_FIELDS: &[&str] = &["datasets", "timeline", "changes", "changeEvents", "search", "auditLog", "personalData"];
/// What a dataset's `columns` cost: this many times their selection's (a dataset has about
/// this many columns on average; the schema declares the same).
pub const COLUMNS_COST: usize = 20;

/// The page size a field asks for: its `first` argument, from the literal or the variable.
fn first(field: &Field, variables: &Variables, definitions: &[Positioned<VariableDefinition>]) -> usize {
    let Some(arg) = field.get_argument("first") else { return 50 };
    let resolved = arg.node.clone().into_const_with(|name| {
        Ok::<_, ()>(
            variables
                .get(&name)
                .cloned()
                .or_else(|| {
                    definitions
                        .iter()
                        .find(|d| d.node.name.node == name)
                        .and_then(|d| d.node.default_value.as_ref())
                        .map(|v| v.node.clone())
                })
                .unwrap_or(Value::Null),
        )
    });
    match resolved {
        Ok(Value::Number(n)) => n.as_i64().map_or(50, |n| n.max(0) as usize),
        _ => 50,
    }
}

/// The cost of a selection, as async-graphql's complexity limit counts it: a field costs 1
/// plus its selection, a paged field `first` times its selection, a dataset's columns
/// [`COLUMNS_COST`] times theirs.
fn cost(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    variables: &Variables,
    definitions: &[Positioned<VariableDefinition>],
    active: &mut HashSet<String>,
) -> usize {
    let mut total = 0usize;
    for item in &set.items {
        let c = match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                let selection = &f.node.selection_set.node;
                let child = cost(doc, selection, variables, definitions, active);
                if PAGED_FIELDS.contains(&name) && !selection.items.is_empty() {
                    first(&f.node, variables, definitions).saturating_mul(child)
                } else if name == "columns" && !selection.items.is_empty() {
                    COLUMNS_COST.saturating_mul(child)
                } else {
                    child.saturating_add(1)
                }
            }
            Selection::InlineFragment(inline) => cost(doc, &inline.node.selection_set.node, variables, definitions, active),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match doc.fragments.get(spread.node.fragment_name.node.as_str()) {
                    Some(fragment) if !active.contains(&name) => {
                        active.insert(name.clone());
                        let c = cost(doc, &fragment.node.selection_set.node, variables, definitions, active);
                        active.remove(&name);
                        c
                    }
                    _ => 0,
                }
            }
        };
        total = total.saturating_add(c);
    }
    total
}

/// What a request costs against the complexity limit: its costliest operation.
pub fn complexity(doc: &ExecutableDocument, variables: &Variables) -> usize {
    doc.operations
        .iter()
        .map(|(_, op)| cost(doc, &op.node.selection_set.node, variables, &op.node.variable_definitions, &mut HashSet::new()))
        .max()
        .unwrap_or(0)
}

/// The message for a request over the complexity limit.
pub fn too_complex(cost: Option<usize>, max_complexity: usize) -> String {
    let cost = cost.map(|c| format!("costs {c}, over")).unwrap_or_else(|| "is over".into());
    format!(
        "Query is too complex: it {cost} the complexity limit of {max_complexity} (api.max_complexity). Each field costs 1; a paged field (datasets, changes, timeline, search, auditLog, personalData) costs `first` (50 when not given) times its fields, and a dataset's columns {COLUMNS_COST} times theirs. Ask for fewer items per page or fewer nested fields."
    )
}

/// Checks the bounds above; the error names the bound.
pub fn check(doc: &ExecutableDocument, variables: &Variables, max_complexity: usize) -> Result<(), String> {
    let mut count = Count::default();
    for (_, op) in doc.operations.iter() {
        walk(doc, &op.node.selection_set.node, true, &mut count, &mut HashSet::new());
    }
    if count.fields > MAX_FIELDS {
        return Err(format!("the request asks for more than {MAX_FIELDS} fields (aliases count one each)"));
    }
    let total = complexity(doc, variables);
    if total > max_complexity {
        return Err(too_complex(Some(total), max_complexity));
    }
    let introspection = count.introspection * INTROSPECTION_COST;
    if introspection > max_complexity {
        return Err(format!(
            "Query is too complex: {} introspection fields count {introspection} (each {INTROSPECTION_COST}) against the complexity limit of {max_complexity}",
            count.introspection
        ));
    }
    if count.searches > MAX_SEARCHES {
        return Err(format!("at most {MAX_SEARCHES} searches per request; this one has {}", count.searches));
    }
    if count.audited > MAX_AUDITED_LISTINGS {
        return Err(format!(
            "at most {MAX_AUDITED_LISTINGS} personalData listings per request (each is audited); this one has {}",
            count.audited
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_text(q: &str) -> Result<(), String> {
        check(&async_graphql::parser::parse_query(q).unwrap(), &Variables::default(), 20_000)
    }

    #[test]
    fn a_full_page_fits_the_default_limit_and_the_cost_is_named() {
        let api = crate::config::ApiConfig::default();
        let page = "query($n: Int) { source(name: \"s\") { datasets(first: $n) { edges { node { name columns { name dataType nullable comment description } } } } } }";
        let doc = async_graphql::parser::parse_query(page).unwrap();
        let vars = |n: usize| Variables::from_json(serde_json::json!({ "n": n }));
        let full = complexity(&doc, &vars(api.max_page_size));
        assert_eq!(full, 1 + api.max_page_size * (1 + 1 + 1 + COLUMNS_COST * 5));
        assert!(full <= api.complexity_floor() + 1 && api.complexity_floor() <= api.max_complexity, "{full}");
        assert!(check(&doc, &vars(api.max_page_size), api.max_complexity).is_ok());
        // Ten times the page size is over, and the message names the cost and the limit.
        let e = check(&doc, &vars(api.max_page_size * 10), api.max_complexity).unwrap_err();
        assert!(e.contains(&format!("costs {}", complexity(&doc, &vars(api.max_page_size * 10)))), "{e}");
        assert!(e.contains(&format!("complexity limit of {}", api.max_complexity)), "{e}");
        // A literal `first`, and none (50).
        let literal = async_graphql::parser::parse_query("{ changes(first: 7) { edges { cursor } } }").unwrap();
        assert_eq!(complexity(&literal, &Variables::default()), 7 * 2);
        let default = async_graphql::parser::parse_query("{ changes { edges { cursor } } }").unwrap();
        assert_eq!(complexity(&default, &Variables::default()), 50 * 2);
    }

    #[test]
    fn counts_aliases_fragments_and_introspection() {
        assert!(check_text("{ __schema { types { name } } }").is_ok());
        let many: String = (0..11).map(|i| format!("a{i}: __schema {{ types {{ name }} }} ")).collect();
        let e = check_text(&format!("{{ {many} }}")).unwrap_err();
        assert!(e.contains("complexity limit of 20000"), "{e}");
        let listings: String = (0..6).map(|i| format!("p{i}: personalData(first: 1) {{ edges {{ cursor }} }} ")).collect();
        assert!(check_text(&format!("{{ {listings} }}")).unwrap_err().contains("personalData"));
        // Through a fragment and an inline fragment too.
        let q = format!(
            "{{ ...F ... on Query {{ x: personalData(first: 1) {{ edges {{ cursor }} }} }} }} fragment F on Query {{ {} }}",
            (0..5).map(|i| format!("p{i}: personalData(first: 1) {{ edges {{ cursor }} }} ")).collect::<String>()
        );
        assert!(check_text(&q).is_err());
        let aliases: String = (0..MAX_FIELDS + 1).map(|i| format!("a{i}: sources {{ name }} ")).collect();
        assert!(check_text(&format!("{{ {aliases} }}")).unwrap_err().contains("fields"));
        // A fragment spreading itself does not loop.
        assert!(check_text("{ ...F } fragment F on Query { sources { name } ...F }").is_ok());
    }
}
