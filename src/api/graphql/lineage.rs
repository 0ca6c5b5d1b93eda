//! GraphQL over lineage: the graph around a dataset or column (paged edges), the impact of a
//! column, submitted SQL, hand-made edges, and the columns personal data reaches.

use super::ids::{self, Kind};
use super::{acting, app, ApiError, ApiResult};
use crate::catalog::names::QualifiedName;
use crate::lineage::graph::{self, Direction, ImpactedDataset, NamedEdge};
use crate::lineage::sql::SqlDialect;
use crate::lineage::submit::{self, SqlSubmission, StatementResult, SubmissionReport};
use crate::lineage::{EdgeKind, LineageError, Origin};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

impl From<LineageError> for ApiError {
    fn from(e: LineageError) -> Self {
        match e {
            LineageError::Invalid(m) => ApiError::InvalidInput(m),
            LineageError::NotFound(m) => ApiError::NotFound(m),
            LineageError::Script(s) => ApiError::InvalidInput(s.to_string()),
            LineageError::Catalog(c) => c.into(),
            LineageError::Store(err) => {
                tracing::error!(error = %err, "lineage store error");
                ApiError::Internal
            }
        }
    }
}

/// How an edge's input reaches its output.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LineageKind {
    /// The same value.
    Identity,
    /// Computed from the input.
    Transformed,
    /// An aggregate over the input.
    Aggregated,
    /// The input decides which rows are kept, grouped or ordered (edge ends at a dataset).
    Filter,
    /// The input decides how rows are matched (edge ends at a dataset).
    Join,
}

impl From<EdgeKind> for LineageKind {
    fn from(k: EdgeKind) -> Self {
        match k {
            EdgeKind::Identity => LineageKind::Identity,
            EdgeKind::Transformed => LineageKind::Transformed,
            EdgeKind::Aggregated => LineageKind::Aggregated,
            EdgeKind::Filter => LineageKind::Filter,
            EdgeKind::Join => LineageKind::Join,
        }
    }
}

impl From<LineageKind> for EdgeKind {
    fn from(k: LineageKind) -> Self {
        match k {
            LineageKind::Identity => EdgeKind::Identity,
            LineageKind::Transformed => EdgeKind::Transformed,
            LineageKind::Aggregated => EdgeKind::Aggregated,
            LineageKind::Filter => EdgeKind::Filter,
            LineageKind::Join => EdgeKind::Join,
        }
    }
}

/// Where an edge came from.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LineageOrigin {
    /// A view's definition, read at each scan.
    View,
    /// Submitted SQL (`addLineageSql`, `almanac lineage add-sql`).
    Sql,
    /// An OpenLineage run event.
    Openlineage,
    /// Added by an editor.
    Manual,
}

impl From<Origin> for LineageOrigin {
    fn from(o: Origin) -> Self {
        match o {
            Origin::View => LineageOrigin::View,
            Origin::Sql => LineageOrigin::Sql,
            Origin::OpenLineage => LineageOrigin::Openlineage,
            Origin::Manual => LineageOrigin::Manual,
        }
    }
}

/// Which way to walk.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LineageDirection {
    Upstream,
    Downstream,
    Both,
}

/// An edge of the lineage graph.
pub struct LineageEdge(pub NamedEdge);

#[Object]
impl LineageEdge {
    async fn id(&self) -> ID {
        ids::encode(Kind::LineageEdge, self.0.id)
    }
    /// The input column (qualified name).
    async fn from(&self) -> String {
        self.0.from.to_string()
    }
    /// The output column, or for filter and join edges the dataset whose rows it shapes.
    async fn to(&self) -> String {
        self.0.to.to_string()
    }
    async fn kind(&self) -> LineageKind {
        self.0.kind.into()
    }
    async fn origin(&self) -> LineageOrigin {
        self.0.origin.into()
    }
    /// The origin's reference: the statement's SHA-256 for SQL, the job and run for
    /// OpenLineage, the scan for views.
    async fn origin_ref(&self) -> &str {
        &self.0.origin_ref
    }
    /// Who or what made it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Edges away from the root of the walk (1 = touches it).
    async fn depth(&self) -> i32 {
        self.0.depth as i32
    }
}

/// What the graph holds beyond the page of edges.
pub struct LineageGraphInfo {
    root: QualifiedName,
    total: usize,
    truncated: bool,
    nodes: Vec<String>,
}

#[Object]
impl LineageGraphInfo {
    /// The dataset or column the walk started from.
    async fn root(&self) -> String {
        self.root.to_string()
    }
    /// Edges of the whole walk.
    async fn total_count(&self) -> i32 {
        self.total as i32
    }
    /// Whether the walk stopped at its edge limit.
    async fn truncated(&self) -> bool {
        self.truncated
    }
    /// The columns and datasets this page's edges touch (qualified names).
    async fn node_names(&self) -> &[String] {
        &self.nodes
    }
}

/// A column downstream of the one analysed.
#[derive(SimpleObject)]
pub struct ImpactedColumn {
    pub column: String,
    /// The strongest kind of edge it is reached by.
    pub kind: LineageKind,
    /// Edges away from the analysed column.
    pub depth: i32,
}

/// A dataset a change to the analysed column reaches.
#[derive(SimpleObject)]
pub struct ImpactedDatasetObject {
    pub dataset: String,
    /// The assigned owner, else the one the source reports.
    pub owner: Option<String>,
    /// Whether the column filters or joins its rows.
    pub rows_shaped: bool,
    pub columns: Vec<ImpactedColumn>,
}

impl From<ImpactedDataset> for ImpactedDatasetObject {
    fn from(d: ImpactedDataset) -> Self {
        ImpactedDatasetObject {
            dataset: d.dataset.to_string(),
            owner: d.owner,
            rows_shaped: d.rows_shaped,
            columns: d
                .columns
                .into_iter()
                .map(|(c, k, depth)| ImpactedColumn { column: c.to_string(), kind: k.into(), depth: depth as i32 })
                .collect(),
        }
    }
}

/// The lineage around a dataset or column, one page of edges at a time.
pub async fn lineage(
    ctx: &Context<'_>,
    name: String,
    direction: LineageDirection,
    depth: i32,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Connection<String, LineageEdge, LineageGraphInfo>> {
    let state = app(ctx)?;
    let root = QualifiedName::parse(&name)?;
    let direction = match direction {
        LineageDirection::Upstream => Direction::Up,
        LineageDirection::Downstream => Direction::Down,
        LineageDirection::Both => Direction::Both,
    };
    let depth = u32::try_from(depth).map_err(|_| ApiError::InvalidInput("`depth` must not be negative".into()))?;
    let g = graph::lineage(&state.catalog, &root, direction, depth.min(graph::MAX_DEPTH)).await?;
    let limit = super::page_size(ctx, first)? as usize;
    let offset = ids::parse_prefixed::<usize>(after.as_deref(), 'e')?.map(|n| n + 1).unwrap_or(0);
    let total = g.edges.len();
    let page: Vec<NamedEdge> = g.edges.into_iter().skip(offset).take(limit).collect();
    let mut nodes: Vec<String> = page.iter().flat_map(|e| [e.from.to_string(), e.to.to_string()]).collect();
    nodes.sort();
    nodes.dedup();
    let more = offset + page.len() < total;
    let mut conn = Connection::with_additional_fields(offset > 0, more, LineageGraphInfo { root, total, truncated: g.truncated, nodes });
    conn.edges.extend(page.into_iter().enumerate().map(|(i, e)| Edge::new(format!("e{}", offset + i), LineageEdge(e))));
    Ok(conn)
}

/// Everything downstream of a column, by dataset, with owners.
pub async fn impact(ctx: &Context<'_>, column: String, depth: i32) -> ApiResult<Vec<ImpactedDatasetObject>> {
    let state = app(ctx)?;
    let name = QualifiedName::parse(&column)?;
    let depth = u32::try_from(depth).map_err(|_| ApiError::InvalidInput("`depth` must not be negative".into()))?;
    let (datasets, _) = graph::impact(&state.catalog, &name, depth.min(graph::MAX_DEPTH)).await?;
    Ok(datasets.into_iter().map(Into::into).collect())
}

/// SQL to record lineage from.
#[derive(InputObject)]
pub struct LineageSqlInput {
    /// The registered source the SQL runs against.
    pub source: String,
    /// One statement or a whole script.
    pub sql: String,
    /// postgres, mysql or sqlite; the source's engine when absent.
    pub dialect: Option<String>,
    /// Where unqualified names live (default: public, the source URL's database, or main).
    pub namespace: Option<String>,
}

/// What became of a statement.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LineageStatementStatus {
    Recorded,
    /// It moves no data between datasets.
    Skipped,
    /// It could not be parsed or understood.
    Failed,
}

/// A name that did not resolve, and why.
#[derive(SimpleObject)]
pub struct UnresolvedName {
    pub name: String,
    pub reason: String,
}

/// One statement of submitted SQL.
#[derive(SimpleObject)]
pub struct LineageStatement {
    pub line: i32,
    /// SHA-256 of the statement as parsed (the origin reference of its edges).
    pub hash: String,
    pub status: LineageStatementStatus,
    pub target: Option<String>,
    /// Whether the target was declared by this submission (not found by a scan yet).
    pub declared: bool,
    pub columns: i32,
    pub edges: i32,
    pub unresolved: Vec<UnresolvedName>,
    /// Why it failed or was skipped.
    pub message: Option<String>,
}

/// The result of `addLineageSql`.
#[derive(SimpleObject)]
pub struct LineageSqlReport {
    pub dialect: String,
    pub columns: i32,
    pub edges: i32,
    pub statements: Vec<LineageStatement>,
}

impl From<SubmissionReport> for LineageSqlReport {
    fn from(r: SubmissionReport) -> Self {
        let statements = r
            .statements
            .into_iter()
            .map(|s| {
                let mut st = LineageStatement {
                    line: s.line as i32,
                    hash: s.hash,
                    status: LineageStatementStatus::Skipped,
                    target: None,
                    declared: false,
                    columns: 0,
                    edges: 0,
                    unresolved: Vec::new(),
                    message: None,
                };
                match s.result {
                    StatementResult::Recorded { target, declared, columns, edges, unresolved } => {
                        st.status = LineageStatementStatus::Recorded;
                        st.target = Some(target.to_string());
                        st.declared = declared;
                        st.columns = columns as i32;
                        st.edges = edges as i32;
                        st.unresolved = unresolved.into_iter().map(|u| UnresolvedName { name: u.name, reason: u.reason }).collect();
                    }
                    StatementResult::Skipped { what } => st.message = Some(what),
                    StatementResult::Failed { message } => {
                        st.status = LineageStatementStatus::Failed;
                        st.message = Some(message);
                    }
                }
                st
            })
            .collect();
        LineageSqlReport { dialect: r.dialect.as_str().into(), columns: r.columns as i32, edges: r.edges as i32, statements }
    }
}

/// Records the lineage of submitted SQL.
pub async fn add_sql(ctx: &Context<'_>, input: LineageSqlInput) -> ApiResult<LineageSqlReport> {
    let state = acting(ctx)?;
    let dialect = match input.dialect.as_deref() {
        Some(d) => Some(
            SqlDialect::parse(d).ok_or_else(|| ApiError::InvalidInput(format!("unknown dialect `{d}`: use postgres, mysql or sqlite")))?,
        ),
        None => None,
    };
    let report =
        submit::add_sql(&state.catalog, SqlSubmission { source: input.source, sql: input.sql, dialect, namespace: input.namespace })
            .await?;
    Ok(report.into())
}

/// Adds an edge by hand.
pub async fn add_edge(ctx: &Context<'_>, from: String, to: String, kind: LineageKind) -> ApiResult<LineageEdge> {
    let state = acting(ctx)?;
    let (from, to) = (QualifiedName::parse(&from)?, QualifiedName::parse(&to)?);
    let stored = crate::lineage::manual::add_edge(&state.catalog, &from, &to, kind.into()).await?;
    let named = graph::name_edges(&state.catalog, vec![stored]).await?;
    named.into_iter().next().map(LineageEdge).ok_or_else(|| ApiError::NotFound("the new edge's ends are gone".into()))
}

/// Removes a hand-made edge.
pub async fn remove_edge(ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
    let state = acting(ctx)?;
    crate::lineage::manual::remove_edge(&state.catalog, ids::decode(Kind::LineageEdge, &id)?).await?;
    Ok(true)
}

/// A column holding a personal-data category because a column upstream holds it.
#[derive(SimpleObject)]
pub struct PropagatedPersonalData {
    pub column: super::objects::Column,
    pub category: String,
    /// The classified column it came from (qualified name).
    pub from: String,
    /// Columns from there to here (qualified names), both included.
    pub path: Vec<String>,
}

/// A job OpenLineage events told about, with its last run.
#[derive(SimpleObject)]
pub struct LineageJobObject {
    pub namespace: String,
    pub name: String,
    pub last_run_id: Option<String>,
    /// The last event's type: START, RUNNING, COMPLETE, FAIL, ABORT or OTHER.
    pub last_state: Option<String>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub runs: i32,
}

/// The jobs OpenLineage events told about.
pub async fn jobs(ctx: &Context<'_>) -> ApiResult<Vec<LineageJobObject>> {
    let state = app(ctx)?;
    let jobs = crate::lineage::openlineage::jobs(state.catalog.connection()).await.map_err(LineageError::from)?;
    Ok(jobs
        .into_iter()
        .map(|j| LineageJobObject {
            namespace: j.namespace,
            name: j.name,
            last_run_id: j.last_run_id,
            last_state: j.last_state,
            last_event_at: j.last_event_at,
            runs: j.runs.min(i32::MAX as i64) as i32,
        })
        .collect())
}
