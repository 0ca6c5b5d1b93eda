//! OpenLineage run events (the `POST /api/v1/lineage` body Marquez accepts, so the Airflow,
//! Spark, Flink and dbt integrations can send here unchanged): the job and run are recorded,
//! datasets are matched to catalog datasets by the OpenLineage naming rules (PostgreSQL
//! `postgres://HOST:PORT` + `DATABASE.SCHEMA.TABLE`, MySQL `mysql://HOST:PORT` +
//! `DATABASE.TABLE`; files `s3://BUCKET` + `PATH` and `file` + `/ABSOLUTE/PATH` under a
//! scanned lake), others are kept as datasets of an external source, and the
//! `columnLineage` facet becomes edges. An event is recorded whole or not at all.

use super::entity::{lineage_edge, lineage_job};
use super::{insert_edges, EdgeKind, LineageError, NewEdge, Origin};
use crate::catalog::declared::{self, LineageTarget};
use crate::catalog::{Catalog, Source};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Longest name, namespace or field accepted, in characters.
const MAX_NAME_CHARS: usize = 2_000;
/// Most datasets in one event.
const MAX_DATASETS: usize = 1_000;
/// Most fields (columns) of one dataset.
const MAX_FIELDS: usize = 10_000;

/// An OpenLineage run event (the parts Almanac reads; others are ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunEvent {
    pub event_type: Option<String>,
    pub event_time: DateTime<chrono::FixedOffset>,
    pub run: Run,
    pub job: Job,
    #[serde(default)]
    pub inputs: Vec<DatasetRef>,
    #[serde(default)]
    pub outputs: Vec<DatasetRef>,
    pub producer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub run_id: String,
}

#[derive(Debug, Deserialize)]
pub struct Job {
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct DatasetRef {
    pub namespace: String,
    pub name: String,
    #[serde(default)]
    pub facets: Facets,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Facets {
    pub schema: Option<SchemaFacet>,
    pub column_lineage: Option<ColumnLineageFacet>,
}

#[derive(Debug, Deserialize)]
pub struct SchemaFacet {
    #[serde(default)]
    pub fields: Vec<SchemaField>,
}

#[derive(Debug, Deserialize)]
pub struct SchemaField {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct ColumnLineageFacet {
    #[serde(default)]
    pub fields: BTreeMap<String, ColumnLineageField>,
    /// Inputs that shape the whole dataset (filters, joins), not one column.
    #[serde(default)]
    pub dataset: Vec<InputField>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnLineageField {
    #[serde(default)]
    pub input_fields: Vec<InputField>,
    /// The facet's older, single transformation type (IDENTITY, TRANSFORMED, ...).
    pub transformation_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputField {
    pub namespace: String,
    pub name: String,
    pub field: String,
    #[serde(default)]
    pub transformations: Vec<Transformation>,
}

#[derive(Debug, Deserialize)]
pub struct Transformation {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub subtype: Option<String>,
}

/// Parses an event body; the error says what is wrong with it.
pub fn parse_event(body: &[u8]) -> Result<RunEvent, LineageError> {
    let event: RunEvent = serde_json::from_slice(body).map_err(|e| LineageError::Invalid(format!("not an OpenLineage run event: {e}")))?;
    let too_long =
        |what: &str, s: &str| (s.chars().count() > MAX_NAME_CHARS).then(|| format!("{what} is longer than {MAX_NAME_CHARS} characters"));
    let mut problems: Vec<String> = Vec::new();
    for (what, text) in [("job.namespace", &event.job.namespace), ("job.name", &event.job.name), ("run.runId", &event.run.run_id)] {
        if text.trim().is_empty() {
            problems.push(format!("{what} is empty"));
        }
        problems.extend(too_long(what, text));
    }
    if event.inputs.len() + event.outputs.len() > MAX_DATASETS {
        problems.push(format!("more than {MAX_DATASETS} datasets"));
    }
    for d in event.inputs.iter().chain(&event.outputs) {
        if d.namespace.trim().is_empty() || d.name.trim().is_empty() {
            problems.push("a dataset has an empty namespace or name".into());
        }
        problems.extend(too_long("a dataset name", &d.name));
        problems.extend(too_long("a dataset namespace", &d.namespace));
        let fields = d.facets.schema.as_ref().map(|s| s.fields.len()).unwrap_or(0)
            + d.facets.column_lineage.as_ref().map(|c| c.fields.len()).unwrap_or(0);
        if fields > MAX_FIELDS {
            problems.push(format!("dataset {} has more than {MAX_FIELDS} fields", d.name));
        }
        if let Some(cl) = &d.facets.column_lineage {
            let lacking = |i: &InputField| i.field.is_empty() || i.name.trim().is_empty() || i.namespace.trim().is_empty();
            for (out, f) in &cl.fields {
                if out.is_empty() || out.chars().count() > MAX_NAME_CHARS {
                    problems.push(format!("a columnLineage field of {} has an empty or too long name", d.name));
                }
                if f.input_fields.iter().any(lacking) {
                    problems.push(format!("an input field of {}.{out} lacks its namespace, name or field", d.name));
                }
            }
            if cl.dataset.iter().any(lacking) {
                problems.push(format!("a dataset-level input of {} lacks its namespace, name or field", d.name));
            }
        }
    }
    problems.dedup();
    if !problems.is_empty() {
        return Err(LineageError::Invalid(format!("invalid OpenLineage event: {}", problems.join("; "))));
    }
    Ok(event)
}

/// The kind of an input field's edge from its transformations (the facet's 1.x form) or its
/// older transformation type.
fn kind_of(input: &InputField, legacy: Option<&str>) -> EdgeKind {
    let mut kind: Option<EdgeKind> = None;
    for t in &input.transformations {
        let k =
            match (t.kind.as_deref().map(str::to_ascii_uppercase).as_deref(), t.subtype.as_deref().map(str::to_ascii_uppercase).as_deref())
            {
                (_, Some("IDENTITY")) => EdgeKind::Identity,
                (_, Some("AGGREGATION")) => EdgeKind::Aggregated,
                (_, Some("JOIN")) => EdgeKind::Join,
                (_, Some("FILTER" | "GROUP_BY" | "SORT" | "WINDOW" | "CONDITIONAL")) => EdgeKind::Filter,
                (Some("INDIRECT"), _) => EdgeKind::Filter,
                _ => EdgeKind::Transformed,
            };
        // A value edge wins over a row-shaping one; among value edges the strongest.
        kind = Some(match kind {
            None => k,
            Some(prev) if prev.carries_values() && k.carries_values() => prev.max(k),
            Some(prev) if prev.carries_values() => prev,
            Some(_) => k,
        });
    }
    kind.unwrap_or(match legacy.map(str::to_ascii_uppercase).as_deref() {
        Some("IDENTITY") => EdgeKind::Identity,
        Some("AGGREGATED" | "AGGREGATION") => EdgeKind::Aggregated,
        _ => EdgeKind::Transformed,
    })
}

/// A registered source an OpenLineage namespace names, by engine, host and port.
fn matches_source(ol_namespace: &str, source: &Source) -> bool {
    let (Ok(ns), Ok(src)) = (url::Url::parse(ol_namespace), url::Url::parse(&source.url)) else { return false };
    let scheme = |u: &url::Url| {
        match u.scheme() {
            "postgres" | "postgresql" => "postgres",
            "mysql" | "mariadb" => "mysql",
            other => other,
        }
        .to_string()
    };
    if scheme(&ns) != scheme(&src) || scheme(&src) != source.engine {
        return false;
    }
    let default_port = if source.engine == "postgres" { 5432 } else { 3306 };
    let host = |u: &url::Url| {
        let h = u.host_str().unwrap_or("localhost").to_ascii_lowercase();
        if matches!(h.as_str(), "localhost" | "127.0.0.1" | "[::1]" | "::1") {
            "localhost".to_string()
        } else {
            h
        }
    };
    host(&ns) == host(&src) && ns.port().unwrap_or(default_port) == src.port().unwrap_or(default_port)
}

/// The database a source URL names (its path).
fn source_database(source: &Source) -> Option<String> {
    url::Url::parse(&source.url).ok().map(|u| u.path().trim_start_matches('/').to_string()).filter(|d| !d.is_empty())
}

/// Where an OpenLineage dataset lives in the catalog: (source id, namespace, dataset).
async fn place<C: ConnectionTrait>(
    db: &C,
    who: &crate::audit::Who,
    sources: &[Source],
    ol_namespace: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(i64, String, String), DbErr> {
    if let Some(found) = place_in_lake(db, sources, ol_namespace, name).await? {
        return Ok(found);
    }
    for s in sources.iter().filter(|s| matches_source(ol_namespace, s)) {
        let parts: Vec<&str> = name.split('.').collect();
        let db_name = source_database(s);
        match (s.engine.as_str(), parts.as_slice()) {
            ("postgres", [database, schema, table]) if db_name.as_deref() == Some(*database) => {
                return Ok((s.id, schema.to_string(), table.to_string()))
            }
            ("mysql", [database, table]) => return Ok((s.id, database.to_string(), table.to_string())),
            _ => {}
        }
    }
    // Unknown: a dataset of the external source standing for the namespace. Paths split at
    // their last slash, other names at their last dot.
    let source_id = declared::external_source(db, who, ol_namespace, now).await?;
    let sep =
        if ol_namespace.starts_with("file:") || ol_namespace.starts_with("s3:") || ol_namespace.starts_with("gs:") || name.contains('/') {
            '/'
        } else {
            '.'
        };
    let (ns, ds) = match name.trim_end_matches(sep).rsplit_once(sep) {
        Some((ns, ds)) if !ns.is_empty() && !ds.is_empty() => (ns.to_string(), ds.to_string()),
        _ => ("main".to_string(), name.to_string()),
    };
    Ok((source_id, ns, ds))
}

/// A file dataset an OpenLineage `s3://BUCKET` + `PATH` or `file` + `/PATH` names, in a
/// scanned lake whose root holds the path: the dataset at that location when a scan found
/// one, else the place the layout rules give it (a partition folder or a file's extension
/// does not change the dataset).
async fn place_in_lake<C: ConnectionTrait>(
    db: &C,
    sources: &[Source],
    ol_namespace: &str,
    name: &str,
) -> Result<Option<(i64, String, String)>, DbErr> {
    let full = if let Some(rest) = ol_namespace.strip_prefix("s3://").or_else(|| ol_namespace.strip_prefix("s3a://")) {
        format!("s3://{}/{}", rest.trim_end_matches('/'), name.trim_start_matches('/'))
    } else if ol_namespace == "file" || ol_namespace.starts_with("file:") {
        format!("file://{}", name)
    } else {
        return Ok(None);
    };
    let full = full.trim_end_matches('/');
    for s in sources.iter().filter(|s| s.engine == almanac_scanners::Engine::Files.as_str()) {
        let Some(rel) = full.strip_prefix(s.url.as_str()).and_then(|r| r.strip_prefix('/')) else { continue };
        // The path without partition folders below the dataset.
        let mut segments: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        if let Some(p) = segments.iter().position(|seg| almanac_scanners::files::layout::partition(seg).is_some()) {
            segments.truncate(p);
        }
        let location = if segments.is_empty() { s.url.clone() } else { format!("{}/{}", s.url, segments.join("/")) };
        if let Some((ns, ds)) = crate::catalog::dataset_at_location(db, s.id, &location).await? {
            return Ok(Some((s.id, ns, ds)));
        }
        let root = almanac_scanners::SourceUrl::parse(&s.url).ok().and_then(|u| u.lake_root().map(|r| r.name())).unwrap_or_default();
        let (ns, ds) = match segments.split_last() {
            None => (almanac_scanners::files::layout::ROOT_NAMESPACE.to_string(), root),
            Some((last, [])) => {
                (almanac_scanners::files::layout::ROOT_NAMESPACE.to_string(), almanac_scanners::files::layout::stem(last).to_string())
            }
            Some((last, parent)) => (parent.join("/"), almanac_scanners::files::layout::stem(last).to_string()),
        };
        return Ok(Some((s.id, ns, ds)));
    }
    Ok(None)
}

/// What recording an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOutcome {
    pub job: String,
    pub run_id: String,
    pub datasets: usize,
    pub edges: usize,
}

/// Records an event in one transaction: its job and run, its datasets, and its column lineage
/// (replacing the edges the same job wrote into the same outputs before).
pub async fn record_event(catalog: &Catalog, event: RunEvent) -> Result<EventOutcome, LineageError> {
    let sources = catalog.sources().await?;
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let now = Utc::now();
    let who = catalog.who().clone();
    let job_key = format!("{}/{}", event.job.namespace, event.job.name);
    let origin_ref = format!("{job_key} run {}", event.run.run_id);

    // Every dataset the event names, with the columns it gives each.
    let mut wanted: HashMap<(String, String), Vec<String>> = HashMap::new();
    let mut add = |ns: &str, name: &str, field: Option<&str>| {
        let cols = wanted.entry((ns.to_string(), name.to_string())).or_default();
        if let Some(f) = field {
            if !cols.iter().any(|c| c == f) {
                cols.push(f.to_string());
            }
        }
    };
    for d in event.inputs.iter().chain(&event.outputs) {
        add(&d.namespace, &d.name, None);
        for f in d.facets.schema.iter().flat_map(|s| &s.fields) {
            add(&d.namespace, &d.name, Some(&f.name));
        }
    }
    for d in &event.outputs {
        if let Some(cl) = &d.facets.column_lineage {
            for (out, f) in &cl.fields {
                add(&d.namespace, &d.name, Some(out));
                for i in &f.input_fields {
                    add(&i.namespace, &i.name, Some(&i.field));
                }
            }
            for i in &cl.dataset {
                add(&i.namespace, &i.name, Some(&i.field));
            }
        }
    }
    let mut placed: HashMap<(String, String), LineageTarget> = HashMap::new();
    let mut keys: Vec<&(String, String)> = wanted.keys().collect();
    keys.sort();
    for key in keys {
        let (source_id, ns, ds) = place(&txn, &who, &sources, &key.0, &key.1, now).await?;
        let target = declared::declare_dataset(&txn, source_id, &ns, &ds, &wanted[key], now).await?;
        placed.insert(key.clone(), target);
    }

    let mut edges = Vec::new();
    for d in &event.outputs {
        let Some(cl) = &d.facets.column_lineage else { continue };
        let Some(out) = placed.get(&(d.namespace.clone(), d.name.clone())) else { continue };
        let column_of = |ns: &str, name: &str, field: &str| {
            let t = placed.get(&(ns.to_string(), name.to_string()))?;
            Some((t.dataset_id, *t.columns.get(field)?))
        };
        for (out_field, f) in &cl.fields {
            let Some(&to_col) = out.columns.get(out_field) else { continue };
            for i in &f.input_fields {
                let Some((from_ds, from_col)) = column_of(&i.namespace, &i.name, &i.field) else { continue };
                let kind = kind_of(i, f.transformation_type.as_deref());
                let to_column = kind.carries_values().then_some(to_col);
                edges.push(NewEdge { from_dataset: from_ds, from_column: Some(from_col), to_dataset: out.dataset_id, to_column, kind });
            }
        }
        for i in &cl.dataset {
            let Some((from_ds, from_col)) = column_of(&i.namespace, &i.name, &i.field) else { continue };
            let kind = match kind_of(i, None) {
                EdgeKind::Join => EdgeKind::Join,
                _ => EdgeKind::Filter,
            };
            edges.push(NewEdge { from_dataset: from_ds, from_column: Some(from_col), to_dataset: out.dataset_id, to_column: None, kind });
        }
    }
    edges.sort_by_key(|e| (e.from_column, e.to_dataset, e.to_column, e.kind));
    edges.dedup();
    // The job's earlier edges into these outputs give way to this run's.
    let outputs: Vec<i64> = edges.iter().map(|e| e.to_dataset).collect();
    if !outputs.is_empty() {
        let prefix = format!("{job_key} run ");
        let old: Vec<i64> = lineage_edge::Entity::find()
            .filter(lineage_edge::Column::Origin.eq(Origin::OpenLineage.as_str()))
            .filter(lineage_edge::Column::ToDatasetId.is_in(outputs))
            .all(&txn)
            .await?
            .into_iter()
            .filter(|m| m.origin_ref.starts_with(&prefix))
            .map(|m| m.id)
            .collect();
        for chunk in old.chunks(500) {
            lineage_edge::Entity::delete_many().filter(lineage_edge::Column::Id.is_in(chunk.to_vec())).exec(&txn).await?;
        }
    }
    let n = edges.len();
    let producer = event.producer.as_deref().unwrap_or("openlineage");
    insert_edges(&txn, edges, Origin::OpenLineage, &origin_ref, &format!("{} via {producer}", who.actor.label()), now).await?;

    // The job and its last run.
    let at = event.event_time.with_timezone(&Utc);
    let state = event.event_type.clone().unwrap_or_else(|| "OTHER".into()).to_ascii_uppercase();
    match lineage_job::Entity::find()
        .filter(lineage_job::Column::Namespace.eq(&event.job.namespace))
        .filter(lineage_job::Column::Name.eq(&event.job.name))
        .one(&txn)
        .await?
    {
        Some(job) => {
            let new_run = job.last_run_id.as_deref() != Some(event.run.run_id.as_str());
            // An older event arriving late does not overwrite the job's last state.
            if new_run || job.last_event_at.is_none_or(|t| t <= at) {
                let runs = job.runs + i64::from(new_run);
                let mut am = job.into_active_model();
                am.last_run_id = Set(Some(event.run.run_id.clone()));
                am.last_state = Set(Some(state));
                am.last_event_at = Set(Some(at));
                am.runs = Set(runs);
                am.update(&txn).await?;
            }
        }
        None => {
            lineage_job::ActiveModel {
                id: NotSet,
                namespace: Set(event.job.namespace.clone()),
                name: Set(event.job.name.clone()),
                last_run_id: Set(Some(event.run.run_id.clone())),
                last_state: Set(Some(state)),
                last_event_at: Set(Some(at)),
                runs: Set(1),
            }
            .insert(&txn)
            .await?;
        }
    }
    let record = crate::audit::Record::new(crate::audit::Action::LineageSubmit, placed.values().map(|t| crate::ids::GlobalId::dataset(t.dataset_id)).collect())
        .after(serde_json::json!({ "openlineage": { "job": job_key, "run": event.run.run_id, "event": event.event_type, "producer": event.producer }, "edges": n }));
    crate::audit::append(&txn, &who, record).await?;
    txn.commit().await?;
    Ok(EventOutcome { job: job_key, run_id: event.run.run_id, datasets: placed.len(), edges: n })
}

/// A job OpenLineage events told about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageJob {
    pub namespace: String,
    pub name: String,
    pub last_run_id: Option<String>,
    /// The last event's type: START, RUNNING, COMPLETE, FAIL, ABORT or OTHER.
    pub last_state: Option<String>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub runs: i64,
}

/// The jobs seen, by namespace and name.
pub async fn jobs<C: ConnectionTrait>(db: &C) -> Result<Vec<LineageJob>, DbErr> {
    use sea_orm::QueryOrder;
    Ok(lineage_job::Entity::find()
        .order_by_asc(lineage_job::Column::Namespace)
        .order_by_asc(lineage_job::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|j| LineageJob {
            namespace: j.namespace,
            name: j.name,
            last_run_id: j.last_run_id,
            last_state: j.last_state,
            last_event_at: j.last_event_at,
            runs: j.runs,
        })
        .collect())
}
