//! Personal-data categories travel along lineage: a column fed through `identity` or
//! `transformed` edges from a column holding a category holds it too, as *propagated*, with
//! the path it came by. Aggregates do not carry a category unless asked. The caller (the
//! privacy inventory) gives the seeds and the (column, category) pairs a steward rejected,
//! where propagation stops.

use super::EdgeKind;
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::{HashMap, HashSet, VecDeque};

/// A category a column holds because a column upstream holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propagated {
    pub column_id: i64,
    pub category: String,
    /// The classified column it came from.
    pub origin_column_id: i64,
    /// Column ids from the origin to this column, both included.
    pub path: Vec<i64>,
    /// The strongest edge kind along the path.
    pub kind: EdgeKind,
}

/// Longest path a category travels.
pub const MAX_HOPS: usize = 20;

/// Categories carried from `seeds` (column id, category) along value edges; a column that
/// holds the category itself, or where it was rejected, is neither reported nor passed through.
pub fn propagate_over(edges: &[(i64, i64, EdgeKind)], seeds: &[(i64, String)], rejected: &HashSet<(i64, String)>) -> Vec<Propagated> {
    let mut down: HashMap<i64, Vec<(i64, EdgeKind)>> = HashMap::new();
    for &(f, t, k) in edges {
        if f != t {
            down.entry(f).or_default().push((t, k));
        }
    }
    let held: HashSet<(i64, &str)> = seeds.iter().map(|(c, k)| (*c, k.as_str())).collect();
    let mut out = Vec::new();
    let mut reached: HashSet<(i64, String)> = HashSet::new();
    for (seed, category) in seeds {
        // Breadth first: the shortest path wins.
        let mut parent: HashMap<i64, (i64, EdgeKind)> = HashMap::new();
        let mut queue = VecDeque::from([(*seed, 0usize)]);
        let mut seen = HashSet::from([*seed]);
        while let Some((node, hops)) = queue.pop_front() {
            if hops >= MAX_HOPS {
                continue;
            }
            for &(next, kind) in down.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
                if !seen.insert(next) || held.contains(&(next, category.as_str())) || rejected.contains(&(next, category.clone())) {
                    continue;
                }
                parent.insert(next, (node, kind));
                queue.push_back((next, hops + 1));
                if reached.insert((next, category.clone())) {
                    let mut path = vec![next];
                    let mut strongest = kind;
                    let mut at = next;
                    while let Some(&(p, k)) = parent.get(&at) {
                        path.push(p);
                        strongest = strongest.max(k);
                        at = p;
                    }
                    path.reverse();
                    out.push(Propagated { column_id: next, category: category.clone(), origin_column_id: *seed, path, kind: strongest });
                }
            }
        }
    }
    out
}

/// [`propagate_over`] the stored value edges.
pub async fn propagate<C: ConnectionTrait>(
    db: &C,
    seeds: &[(i64, String)],
    rejected: &HashSet<(i64, String)>,
    with_aggregates: bool,
) -> Result<Vec<Propagated>, DbErr> {
    if seeds.is_empty() {
        return Ok(Vec::new());
    }
    let edges = super::graph::value_edges(db, with_aggregates).await?;
    Ok(propagate_over(&edges, seeds, rejected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_value_edges_and_stop_where_rejected_or_held() {
        let edges = vec![
            (1, 2, EdgeKind::Identity),
            (2, 3, EdgeKind::Transformed),
            (3, 4, EdgeKind::Identity),
            (1, 5, EdgeKind::Identity),
            (5, 6, EdgeKind::Identity),
            (2, 1, EdgeKind::Identity),
        ];
        let seeds = vec![(1, "email".to_string()), (5, "email".to_string())];
        let rejected = HashSet::from([(3, "email".to_string())]);
        let got = propagate_over(&edges, &seeds, &rejected);
        let cols: Vec<(i64, Vec<i64>)> = got.iter().map(|p| (p.column_id, p.path.clone())).collect();
        // 2 through 1; 3 rejected (and 4 behind it unreached); 5 holds it itself; 6 through 5.
        assert_eq!(cols, vec![(2, vec![1, 2]), (6, vec![5, 6])]);
    }
}
