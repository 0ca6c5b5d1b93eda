//! Bounds on what one GraphQL document may ask for, beyond async-graphql's depth and
//! complexity limits, checked on the parsed document before it runs:
//! - introspection (`__schema`, `__type`) counts towards the complexity limit: async-graphql
//!   leaves it out, and 500 aliased introspections made a 30 MB answer;
//! - audited listings (`personalData`) are few per request, so aliases cannot turn one
//!   request into a thousand audit entries;
//! - searches are few per request, for the same reason;
//! - the number of fields asked for in all (aliases make one field many).

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
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

/// Checks the bounds above; the error names the bound.
pub fn check(doc: &ExecutableDocument, max_complexity: usize) -> Result<(), String> {
    let mut count = Count::default();
    for (_, op) in doc.operations.iter() {
        walk(doc, &op.node.selection_set.node, true, &mut count, &mut HashSet::new());
    }
    if count.fields > MAX_FIELDS {
        return Err(format!("the request asks for more than {MAX_FIELDS} fields (aliases count one each)"));
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
        check(&async_graphql::parser::parse_query(q).unwrap(), 20_000)
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
