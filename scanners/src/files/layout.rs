//! Which files make one dataset. A folder with Hive-style partitions below it
//! (`orders/dt=2024-01-01/country=DE/part-0.parquet`) is one dataset named after the folder,
//! its partition keys columns. Otherwise the files of one folder are one dataset named after
//! the folder when they share a format and most of their columns (a single file counts when
//! its name is a writer's part name, `part-00000.parquet`); else each file is a dataset named
//! after the file without its extensions. A dataset's namespace is the folder path from the
//! root to the dataset's parent, `/`-separated, `main` at the root.

use super::Format;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The namespace of datasets directly below the root.
pub const ROOT_NAMESPACE: &str = "main";

/// What layout needs of one readable file.
pub struct Entry<'a> {
    /// Folder names from the root down, then the file name.
    pub segments: &'a [String],
    pub format: Format,
    pub columns: Vec<&'a str>,
}

/// One dataset: where it lives and which files (indexes into the entries) it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub namespace: String,
    pub name: String,
    /// The dataset's folder, or its file, below the root (`/`-separated; empty for the root).
    pub path: String,
    pub format: Format,
    pub files: Vec<usize>,
    /// Partition keys in folder order, and each file's values (aligned with `files`).
    pub partition_keys: Vec<String>,
    pub partition_values: Vec<Vec<Option<String>>>,
}

/// Files (entry index) below one partitioned dataset folder, with their `key=value` pairs.
type PartitionedFiles = Vec<(usize, Vec<(String, String)>)>;

/// Files left out of every dataset, and why.
pub type Leftovers = Vec<(usize, String)>;

/// A `key=value` folder name.
pub fn partition(segment: &str) -> Option<(&str, &str)> {
    let (k, v) = segment.split_once('=')?;
    (!k.is_empty() && !k.contains(['/', '\\'])).then_some((k, v))
}

/// A file name without its extensions: `part-0.snappy.parquet.gz` -> `part-0`.
pub fn stem(name: &str) -> &str {
    let mut s = name;
    for _ in 0..4 {
        match s.rsplit_once('.') {
            Some((head, ext)) if !head.is_empty() && is_extension(ext) => s = head,
            _ => break,
        }
    }
    s
}

fn is_extension(ext: &str) -> bool {
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "parquet"
            | "parq"
            | "pq"
            | "csv"
            | "tsv"
            | "tab"
            | "txt"
            | "jsonl"
            | "ndjson"
            | "json"
            | "gz"
            | "gzip"
            | "zst"
            | "zstd"
            | "snappy"
            | "zstandard"
            | "lz4"
    )
}

/// Names writers give the pieces of one table (`part-00000-...`, `000000_0`, `data_0`).
fn part_name(name: &str) -> bool {
    let s = stem(name).to_ascii_lowercase();
    s.starts_with("part-")
        || s.starts_with("part_")
        || s.starts_with("data_")
        || s.starts_with("data-")
        || s.chars().all(|c| c.is_ascii_digit() || c == '_' || c == '-')
}

fn join(parts: &[String]) -> String {
    parts.join("/")
}

/// The namespace and name of the dataset at folder `folder` (`root_name` for the root).
fn place_of_folder(folder: &[String], root_name: &str) -> (String, String) {
    match folder.split_last() {
        None => (ROOT_NAMESPACE.to_string(), root_name.to_string()),
        Some((last, [])) => (ROOT_NAMESPACE.to_string(), last.clone()),
        Some((last, parent)) => (join(parent), last.clone()),
    }
}

/// Whether two files share most of their columns: at least half of the larger set.
fn similar(a: &HashSet<&str>, b: &HashSet<&str>) -> bool {
    let shared = a.intersection(b).count();
    shared * 2 >= a.len().max(b.len()) && shared > 0
}

/// Groups `entries` into datasets; `root_name` names a dataset whose folder is the root.
pub fn group(entries: &[Entry<'_>], root_name: &str) -> (Vec<Group>, Leftovers) {
    let mut leftovers = Vec::new();
    // Partitioned datasets, by folder; plain files, by folder.
    let mut partitioned: BTreeMap<Vec<String>, PartitionedFiles> = BTreeMap::new();
    let mut plain: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let folders = &e.segments[..e.segments.len() - 1];
        match folders.iter().position(|s| partition(s).is_some()) {
            Some(p) => {
                let values: Vec<(String, String)> =
                    folders[p..].iter().filter_map(|s| partition(s)).map(|(k, v)| (k.to_string(), v.to_string())).collect();
                partitioned.entry(folders[..p].to_vec()).or_default().push((i, values));
            }
            None => plain.entry(folders.to_vec()).or_default().push(i),
        }
    }
    let mut groups = Vec::new();
    for (folder, files) in partitioned {
        // The format most files have; files of another format are left out.
        let mut counts: HashMap<Format, usize> = HashMap::new();
        for (i, _) in &files {
            *counts.entry(entries[*i].format).or_default() += 1;
        }
        let format = counts.iter().max_by_key(|(f, n)| (**n, std::cmp::Reverse(f.name()))).map(|(f, _)| *f).unwrap_or(Format::Parquet);
        let mut keys: Vec<String> = Vec::new();
        for (_, values) in &files {
            for (k, _) in values {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        let (namespace, name) = place_of_folder(&folder, root_name);
        let mut group = Group {
            namespace,
            name,
            path: join(&folder),
            format,
            files: Vec::new(),
            partition_keys: keys.clone(),
            partition_values: Vec::new(),
        };
        for (i, values) in files {
            if entries[i].format != format {
                leftovers.push((
                    i,
                    format!(
                        "skipped: a {} file among the {} files of partitioned dataset {}",
                        entries[i].format.name(),
                        format.name(),
                        group.path
                    ),
                ));
                continue;
            }
            let by_key: HashMap<String, String> = values.into_iter().collect();
            group.partition_values.push(
                keys.iter().map(|k| by_key.get(k).filter(|v| v.as_str() != "__HIVE_DEFAULT_PARTITION__").map(|v| decode(v))).collect(),
            );
            group.files.push(i);
        }
        groups.push(group);
    }
    for (folder, files) in plain {
        let first = &entries[files[0]];
        let first_columns: HashSet<&str> = first.columns.iter().copied().collect();
        let one_dataset = if files.len() == 1 {
            part_name(first.segments.last().map_or("", String::as_str))
        } else {
            files
                .iter()
                .all(|&i| entries[i].format == first.format && similar(&first_columns, &entries[i].columns.iter().copied().collect()))
        };
        if one_dataset {
            let (namespace, name) = place_of_folder(&folder, root_name);
            groups.push(Group {
                namespace,
                name,
                path: join(&folder),
                format: first.format,
                partition_values: vec![Vec::new(); files.len()],
                files,
                partition_keys: Vec::new(),
            });
        } else {
            for i in files {
                let file_name = entries[i].segments.last().cloned().unwrap_or_default();
                groups.push(Group {
                    namespace: if folder.is_empty() { ROOT_NAMESPACE.to_string() } else { join(&folder) },
                    name: stem(&file_name).to_string(),
                    path: join(entries[i].segments),
                    format: entries[i].format,
                    files: vec![i],
                    partition_keys: Vec::new(),
                    partition_values: vec![Vec::new()],
                });
            }
        }
    }
    // Two datasets under one name (`orders/` beside `orders.csv`, `a.csv` beside `a.jsonl`):
    // single-file datasets keep their whole file name instead.
    let mut taken: HashMap<(String, String), usize> = HashMap::new();
    for g in &groups {
        *taken.entry((g.namespace.clone(), g.name.clone())).or_default() += 1;
    }
    for g in &mut groups {
        if taken[&(g.namespace.clone(), g.name.clone())] > 1 && g.files.len() == 1 && g.path.contains('.') {
            g.name = g.path.rsplit('/').next().unwrap_or(&g.path).to_string();
        }
    }
    groups.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    groups.dedup_by(|b, a| {
        if a.namespace == b.namespace && a.name == b.name {
            for &i in &b.files {
                leftovers.push((i, format!("skipped: another dataset is named {}.{}", a.namespace, a.name)));
            }
            true
        } else {
            false
        }
    });
    (groups, leftovers)
}

/// A partition value as Hive writes it: `%2F` and the like percent-encoded.
fn decode(v: &str) -> String {
    percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').map(str::to_string).collect()
    }

    fn names(groups: &[Group]) -> Vec<String> {
        groups.iter().map(|g| format!("{}.{} ({} files)", g.namespace, g.name, g.files.len())).collect()
    }

    #[test]
    fn the_issue_examples_name_their_datasets() {
        let paths = [
            ("sales/orders/dt=2024-01-01/country=DE/part-0.parquet", Format::Parquet, vec!["id", "amount"]),
            ("sales/orders/dt=2024-01-02/country=FR/part-0.parquet", Format::Parquet, vec!["id", "amount"]),
            ("crm/customers.csv", Format::Csv, vec!["id", "email"]),
            ("crm/contracts.jsonl", Format::JsonLines, vec!["id", "signer.email"]),
            ("events/clicks/part-0.jsonl.gz", Format::JsonLines, vec!["user_id", "page"]),
            ("events/clicks/part-1.jsonl.zst", Format::JsonLines, vec!["user_id", "page", "ts"]),
            ("exports/report.tsv", Format::Csv, vec!["region", "revenue"]),
            ("exports/summary.csv.gz", Format::Csv, vec!["total"]),
            ("readme.csv", Format::Csv, vec!["key", "value"]),
            ("spark/out/part-00000-abc.snappy.parquet", Format::Parquet, vec!["a"]),
        ];
        let segments: Vec<Vec<String>> = paths.iter().map(|(p, _, _)| segs(p)).collect();
        let entries: Vec<Entry> =
            paths.iter().zip(&segments).map(|((_, f, c), s)| Entry { segments: s, format: *f, columns: c.clone() }).collect();
        let (groups, left) = group(&entries, "lake");
        assert!(left.is_empty());
        assert_eq!(
            names(&groups),
            [
                "crm.contracts (1 files)",
                "crm.customers (1 files)",
                "events.clicks (2 files)",
                "exports.report (1 files)",
                "exports.summary (1 files)",
                "main.readme (1 files)",
                "sales.orders (2 files)",
                "spark.out (1 files)",
            ]
        );
        let orders = groups.iter().find(|g| g.name == "orders").unwrap();
        assert_eq!(orders.partition_keys, ["dt", "country"]);
        assert_eq!(orders.partition_values[1], [Some("2024-01-02".to_string()), Some("FR".to_string())]);
    }

    #[test]
    fn partitions_at_the_root_name_the_dataset_after_the_root_and_clashes_keep_file_names() {
        let a = segs("dt=1/part-0.parquet");
        let b = segs("orders/x.csv");
        let c = segs("orders/y.csv");
        let d = segs("orders.csv");
        let entries = vec![
            Entry { segments: &a, format: Format::Parquet, columns: vec!["a"] },
            Entry { segments: &b, format: Format::Csv, columns: vec!["a", "b"] },
            Entry { segments: &c, format: Format::Csv, columns: vec!["a", "b", "c"] },
            Entry { segments: &d, format: Format::Csv, columns: vec!["z"] },
        ];
        let (groups, _) = group(&entries, "lake");
        assert_eq!(names(&groups), ["main.lake (1 files)", "main.orders (2 files)", "main.orders.csv (1 files)"]);
        assert_eq!(stem("part-0.snappy.parquet"), "part-0");
        assert_eq!(stem(".csv"), ".csv");
    }
}
