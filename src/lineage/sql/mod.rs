//! Column lineage of SQL text: parses a script with `sqlparser` (one dialect per source),
//! resolves every name against a [`Schema`] (the catalog's own, plus what earlier statements of
//! the same script declared) and says, for each column a statement writes, which base columns
//! feed it and how ([`EdgeKind`]); columns that only filter or join rows are recorded apart.
//! Pure: no store access, so the hand-checked suite and the benchmark reach it directly.

use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::collections::HashMap;
use std::sync::Arc;

mod resolve;
mod script;

use resolve::Resolver;
use script::{hash, shift_lines, split_statements, token_hash};

/// Longest script accepted, in bytes.
pub const MAX_SCRIPT_BYTES: usize = 16 * 1024 * 1024;
/// Most statements read from one script.
pub const MAX_STATEMENTS: usize = 100_000;
/// Deepest nesting of queries, expressions and CTEs the parser follows.
const RECURSION_LIMIT: usize = 50;
/// Most output columns one statement may produce (a `SELECT *` over many wide tables).
const MAX_OUTPUT_COLUMNS: usize = 10_000;

/// The SQL dialect a script is written in: it decides parsing and identifier case rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlDialect {
    /// PostgreSQL (and Redshift): unquoted names fold to lower case.
    Postgres,
    /// MySQL and MariaDB: names compare without regard to case.
    MySql,
    /// SQLite: names compare without regard to case.
    Sqlite,
}

impl SqlDialect {
    /// Parses `postgres`, `mysql` or `sqlite` (and their usual aliases).
    pub fn parse(s: &str) -> Option<SqlDialect> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "redshift" => Some(SqlDialect::Postgres),
            "mysql" | "mariadb" => Some(SqlDialect::MySql),
            "sqlite" => Some(SqlDialect::Sqlite),
            _ => None,
        }
    }

    /// The dialect of a catalog engine name (`postgres`, `mysql`, `sqlite`).
    pub fn of_engine(engine: &str) -> SqlDialect {
        SqlDialect::parse(engine).unwrap_or(SqlDialect::Postgres)
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SqlDialect::Postgres => "postgres",
            SqlDialect::MySql => "mysql",
            SqlDialect::Sqlite => "sqlite",
        }
    }

    fn parser_dialect(self) -> Box<dyn Dialect> {
        match self {
            SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
            SqlDialect::MySql => Box::new(MySqlDialect {}),
            SqlDialect::Sqlite => Box::new(SQLiteDialect {}),
        }
    }

    /// Whether names compare without regard to case (after PostgreSQL's folding, they do not).
    fn case_insensitive(self) -> bool {
        !matches!(self, SqlDialect::Postgres)
    }
}

/// How an input column reaches an output, or how it shapes the output's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// The output holds the input's value unchanged.
    Identity,
    /// The output is computed from the input (cast, CASE, arithmetic, function, ...).
    Transformed,
    /// The output aggregates the input over many rows.
    Aggregated,
    /// The input decides which rows are kept, grouped or ordered.
    Filter,
    /// The input decides how rows of two relations are matched.
    Join,
}

impl EdgeKind {
    /// The word used in the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Identity => "identity",
            EdgeKind::Transformed => "transformed",
            EdgeKind::Aggregated => "aggregated",
            EdgeKind::Filter => "filter",
            EdgeKind::Join => "join",
        }
    }

    /// Parses the API word.
    pub fn parse(s: &str) -> Option<EdgeKind> {
        Some(match s {
            "identity" => EdgeKind::Identity,
            "transformed" => EdgeKind::Transformed,
            "aggregated" => EdgeKind::Aggregated,
            "filter" => EdgeKind::Filter,
            "join" => EdgeKind::Join,
            _ => return None,
        })
    }

    /// Whether the edge carries values into a column (rather than shaping rows).
    pub fn carries_values(self) -> bool {
        matches!(self, EdgeKind::Identity | EdgeKind::Transformed | EdgeKind::Aggregated)
    }
}

/// A column of a table or view, by namespace, dataset and column name as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ColumnRef {
    pub namespace: String,
    pub dataset: String,
    pub column: String,
}

/// A dataset by namespace and name as stored (or as declared by the script).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatasetRef {
    pub namespace: String,
    pub dataset: String,
}

/// A table or view the resolver can read columns from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    pub namespace: String,
    pub name: String,
    pub columns: Vec<String>,
}

/// Where table names are looked up.
pub trait Schema {
    /// The table `namespace.name`; with `exact` false, a match without regard to case is
    /// accepted when there is no exact one.
    fn table(&self, namespace: &str, name: &str, exact: bool) -> Option<Arc<TableDef>>;
}

/// An in-memory [`Schema`]: the catalog's datasets of one source, or a test's tables.
#[derive(Debug, Default, Clone)]
pub struct SchemaMap {
    /// namespace -> name -> table, as stored.
    exact: HashMap<String, HashMap<String, Arc<TableDef>>>,
    /// The same, keyed by lower-case names.
    folded: HashMap<String, HashMap<String, Arc<TableDef>>>,
    len: usize,
}

impl SchemaMap {
    /// An empty schema.
    pub fn new() -> SchemaMap {
        SchemaMap::default()
    }

    /// Adds (or replaces) a table.
    pub fn insert(&mut self, namespace: &str, name: &str, columns: Vec<String>) {
        let def = Arc::new(TableDef { namespace: namespace.to_string(), name: name.to_string(), columns });
        self.folded.entry(namespace.to_lowercase()).or_default().insert(name.to_lowercase(), def.clone());
        if self.exact.entry(namespace.to_string()).or_default().insert(name.to_string(), def).is_none() {
            self.len += 1;
        }
    }

    /// How many tables it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no table.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Schema for SchemaMap {
    fn table(&self, namespace: &str, name: &str, exact: bool) -> Option<Arc<TableDef>> {
        if let Some(t) = self.exact.get(namespace).and_then(|n| n.get(name)) {
            return Some(t.clone());
        }
        if exact {
            return None;
        }
        self.folded.get(&namespace.to_lowercase()).and_then(|n| n.get(&name.to_lowercase())).cloned()
    }
}

/// A name the resolver could not resolve, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The name as written.
    pub name: String,
    /// Why it was not resolved.
    pub reason: String,
}

/// What a statement writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    View,
    MaterializedView,
    /// `CREATE TABLE ... AS`.
    TableAs,
    Insert,
    Merge,
    Update,
}

impl TargetKind {
    /// The word used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            TargetKind::View => "view",
            TargetKind::MaterializedView => "materialized view",
            TargetKind::TableAs => "create table as",
            TargetKind::Insert => "insert",
            TargetKind::Merge => "merge",
            TargetKind::Update => "update",
        }
    }
}

/// One output column of a statement and the base columns feeding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    pub name: String,
    pub inputs: Vec<(ColumnRef, EdgeKind)>,
}

/// The lineage of one statement that writes somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLineage {
    /// The dataset written.
    pub target: DatasetRef,
    pub kind: TargetKind,
    /// Whether the target was declared by this script (or is unknown to the schema).
    pub target_known: bool,
    /// Output columns in order, named as the target's columns.
    pub columns: Vec<OutputColumn>,
    /// Columns that filter, group, order (`Filter`) or join (`Join`) the rows written.
    pub dependencies: Vec<(ColumnRef, EdgeKind)>,
    /// Names that could not be resolved; the rest of the statement still counts.
    pub unresolved: Vec<Unresolved>,
}

/// What became of one statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It writes to a dataset: its lineage.
    Lineage(StatementLineage),
    /// It moves no data between datasets (DDL without a query, SET, a bare SELECT, ...).
    NoDataFlow { what: String },
    /// It could not be parsed or understood; the script goes on after it.
    Failed { message: String },
}

/// One statement of a script, where it starts, and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementReport {
    /// 1-based line where the statement starts.
    pub line: u64,
    /// SHA-256 (hex) of the statement as parsed and printed back, so formatting and comments
    /// do not change it; of the raw text when it did not parse.
    pub hash: String,
    pub outcome: Outcome,
}

/// Why a whole script was refused (a bad statement never refuses the script).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScriptError {
    #[error("the SQL text is {0} bytes; at most {MAX_SCRIPT_BYTES} are accepted")]
    TooLarge(usize),
}

/// Settings of one resolution: dialect and the namespaces unqualified names are looked up in.
#[derive(Debug, Clone)]
pub struct Context {
    pub dialect: SqlDialect,
    /// Namespaces searched for unqualified table names, in order; the first is where
    /// unqualified targets are created. `SET search_path` and `USE` change it.
    pub search_path: Vec<String>,
}

/// Resolves every statement of `sql`.
pub fn resolve_script(sql: &str, ctx: &Context, schema: &dyn Schema) -> Result<Vec<StatementReport>, ScriptError> {
    if sql.len() > MAX_SCRIPT_BYTES {
        return Err(ScriptError::TooLarge(sql.len()));
    }
    let mut resolver = Resolver::new(ctx, schema);
    let mut reports = Vec::new();
    // Statements are split at semicolons outside quotes, comments and dollar quotes, then each
    // is read and parsed on its own: a bad statement costs only itself, and a long script is
    // never held as one token list. Parsing, most of the work, runs on every core, a batch at
    // a time; resolving runs in order, since a statement may read what an earlier one declared.
    let mut pieces = Vec::new();
    let (mut line_of_start, mut counted_to) = (1u64, 0usize);
    for range in split_statements(sql, ctx.dialect) {
        if pieces.len() >= MAX_STATEMENTS {
            break;
        }
        if sql[range.clone()].trim().is_empty() {
            continue;
        }
        line_of_start += sql.as_bytes()[counted_to..range.start].iter().filter(|&&b| b == b'\n').count() as u64;
        counted_to = range.start;
        pieces.push((range, line_of_start - 1));
    }
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    for batch in pieces.chunks(PARSE_BATCH) {
        // Err: the parser panicked on that statement (a parser bug), which costs only it.
        type Read = Result<Option<Parsed>, ()>;
        let parsed: Vec<Read> = if workers > 1 && batch.len() > 8 {
            let per = batch.len().div_ceil(workers);
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .chunks(per)
                    .map(|part| {
                        scope.spawn(move || {
                            part.iter().map(|(r, shift)| read_piece(&sql[r.clone()], *shift, ctx.dialect)).collect::<Vec<Read>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .zip(batch.chunks(per))
                    .flat_map(|(h, part)| h.join().unwrap_or_else(|_| vec![Err(()); part.len()]))
                    .collect()
            })
        } else {
            batch.iter().map(|(r, shift)| read_piece(&sql[r.clone()], *shift, ctx.dialect)).collect()
        };
        for (p, (range, shift)) in parsed.into_iter().zip(batch) {
            let Ok(p) = p else {
                reports.push(StatementReport {
                    line: shift + 1,
                    hash: hash(sql[range.clone()].trim()),
                    outcome: Outcome::Failed { message: "the statement could not be parsed (parser failure)".into() },
                });
                continue;
            };
            let Some(p) = p else { continue };
            let outcome = match p.statement {
                Ok(statement) => resolver.statement(&statement, None),
                Err(message) => Outcome::Failed { message },
            };
            reports.push(StatementReport { line: p.line, hash: p.hash, outcome });
        }
    }
    Ok(reports)
}

/// Statements parsed at a time (on all cores) before they are resolved in order.
const PARSE_BATCH: usize = 512;

/// One statement read and parsed: where it starts, its fingerprint, the statement or why not.
#[derive(Clone)]
struct Parsed {
    line: u64,
    hash: String,
    statement: Result<Statement, String>,
}

/// [`parse_piece`], with a parser panic caught: Err(()) then.
fn read_piece(text: &str, shift: u64, dialect: SqlDialect) -> Result<Option<Parsed>, ()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_piece(text, shift, dialect))).map_err(|_| ())
}

/// Reads and parses one statement's text (lines shifted by `shift` in messages); None when the
/// text holds only whitespace and comments.
fn parse_piece(text: &str, shift: u64, dialect: SqlDialect) -> Option<Parsed> {
    let parser_dialect = dialect.parser_dialect();
    let tokens = match sqlparser::tokenizer::Tokenizer::new(parser_dialect.as_ref(), text).tokenize_with_location() {
        Ok(t) => t,
        Err(e) => {
            let skipped = text.len() - text.trim_start().len();
            let line = shift + 1 + text[..skipped].matches('\n').count() as u64;
            let message = format!("{} (the rest of the text is not read)", shift_lines(&e.to_string(), shift));
            return Some(Parsed { line, hash: hash(text.trim()), statement: Err(message) });
        }
    };
    let first = tokens.iter().find(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))?;
    let line = shift + first.span.start.line;
    let fingerprint = token_hash(&tokens);
    let mut parser = Parser::new(parser_dialect.as_ref()).with_recursion_limit(RECURSION_LIMIT).with_tokens_with_locations(tokens);
    let statement = parser
        .parse_statement()
        .and_then(|st| {
            let next = parser.peek_token();
            if next.token == Token::EOF {
                Ok(st)
            } else {
                Err(sqlparser::parser::ParserError::ParserError(format!(
                    "unexpected {} after the statement at Line: {}, Column: {}",
                    next.token, next.span.start.line, next.span.start.column
                )))
            }
        })
        .map_err(|e| shift_lines(&e.to_string(), shift));
    Some(Parsed { line, hash: fingerprint, statement })
}

/// Resolves the stored definition of a view: either its query alone (as PostgreSQL and MySQL
/// return it) or the whole `CREATE VIEW` statement (as SQLite keeps it).
pub fn resolve_view(definition: &str, view: &DatasetRef, materialized: bool, ctx: &Context, schema: &dyn Schema) -> StatementReport {
    let failed = |message: String| StatementReport { line: 1, hash: hash(definition), outcome: Outcome::Failed { message } };
    if definition.len() > MAX_SCRIPT_BYTES {
        return failed(ScriptError::TooLarge(definition.len()).to_string());
    }
    let dialect = ctx.dialect.parser_dialect();
    let statements = match Parser::new(dialect.as_ref())
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(definition)
        .and_then(|mut p| p.parse_statements())
    {
        Ok(s) => s,
        Err(e) => return failed(e.to_string()),
    };
    let [statement] = statements.as_slice() else {
        return failed(format!("a view definition holds one statement, this one holds {}", statements.len()));
    };
    let printed = statement.to_string();
    let mut resolver = Resolver::new(ctx, schema);
    let outcome = match statement {
        Statement::Query(q) => {
            let kind = if materialized { TargetKind::MaterializedView } else { TargetKind::View };
            resolver.statement(statement, Some((view.clone(), kind, q)))
        }
        Statement::CreateView { .. } => match resolver.statement(statement, None) {
            // The stored statement names the view as it was created; the catalog's name wins.
            Outcome::Lineage(mut l) => {
                l.target = view.clone();
                Outcome::Lineage(l)
            }
            other => other,
        },
        _ => Outcome::Failed { message: "a view definition must be a query or a CREATE VIEW statement".into() },
    };
    StatementReport { line: 1, hash: hash(&printed), outcome }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> SchemaMap {
        let mut s = SchemaMap::new();
        s.insert("public", "orders", vec!["id".into(), "customer_id".into(), "amount".into(), "status".into()]);
        s.insert("public", "customers", vec!["id".into(), "email".into()]);
        s.insert("public", "we\u{0}ird\n\"name", vec!["col\u{1b}[31m".into()]);
        s
    }

    fn pg() -> Context {
        Context { dialect: SqlDialect::Postgres, search_path: vec!["public".into()] }
    }

    fn lineage(sql: &str) -> StatementLineage {
        let reports = resolve_script(sql, &pg(), &schema()).expect("script");
        match reports.into_iter().next().expect("one statement").outcome {
            Outcome::Lineage(l) => l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn order_by_an_alias_filter_clauses_and_ambiguous_names() {
        let l = lineage(
            "CREATE VIEW v AS SELECT customer_id AS c, count(*) FILTER (WHERE status = 'paid') AS n FROM orders GROUP BY 1 ORDER BY c",
        );
        let deps: Vec<(&str, EdgeKind)> = l.dependencies.iter().map(|(c, k)| (c.column.as_str(), *k)).collect();
        assert_eq!(deps, [("customer_id", EdgeKind::Filter)]);
        let n = &l.columns[1];
        assert_eq!(n.inputs.iter().map(|(c, k)| (c.column.as_str(), *k)).collect::<Vec<_>>(), [("status", EdgeKind::Aggregated)]);
        let l = lineage("CREATE VIEW v AS SELECT id FROM orders o JOIN customers c ON c.id = o.customer_id");
        assert_eq!(l.unresolved.len(), 1, "{l:?}");
        assert!(l.unresolved[0].reason.contains("ambiguous"));
        assert!(l.columns[0].inputs.is_empty());
    }

    #[test]
    fn hostile_text_is_reported_never_a_crash() {
        // Nesting deeper than the parser follows: that statement fails, the next one counts.
        let deep = format!("CREATE VIEW v AS SELECT {}1{} AS x FROM orders", "(".repeat(5_000), ")".repeat(5_000));
        let script = format!("{deep};\nCREATE VIEW w AS SELECT amount FROM orders");
        let reports = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || resolve_script(&script, &pg(), &schema()).expect("script"))
            .expect("thread")
            .join()
            .expect("no stack overflow");
        assert!(matches!(reports[0].outcome, Outcome::Failed { .. }), "{:?}", reports[0].outcome);
        assert!(matches!(&reports[1].outcome, Outcome::Lineage(l) if l.columns[0].inputs.len() == 1));
        // Names with control characters and quotes resolve as stored.
        let l = lineage("CREATE VIEW v AS SELECT \"col\u{1b}[31m\" FROM \"we\u{0}ird\n\"\"name\"");
        assert_eq!(l.columns[0].inputs[0].0.dataset, "we\u{0}ird\n\"name");
        // An unterminated string swallows the rest of the text: what comes before it counts,
        // the rest is one failed statement with the reason.
        let reports =
            resolve_script("CREATE VIEW w AS SELECT amount FROM orders;\n\nSELECT 'abc;\nCREATE VIEW z AS SELECT 1", &pg(), &schema())
                .expect("script");
        assert_eq!(reports.len(), 2);
        assert!(
            matches!(&reports[1].outcome, Outcome::Failed { message } if message.contains("Unterminated") && message.contains("Line: 3")),
            "{reports:?}"
        );
        assert_eq!(reports[1].line, 3);
        assert!(matches!(resolve_script(&"x".repeat(MAX_SCRIPT_BYTES + 1), &pg(), &schema()), Err(ScriptError::TooLarge(_))));
        // Empty input and lone semicolons are no statements.
        assert!(resolve_script(" ;; -- nothing\n", &pg(), &schema()).expect("script").is_empty());
    }

    #[test]
    fn statements_split_outside_quotes_comments_and_dollar_quotes() {
        let pieces = |sql: &str, d: SqlDialect| -> Vec<String> {
            split_statements(sql, d).into_iter().map(|r| sql[r].trim().to_string()).filter(|t| !t.is_empty()).collect()
        };
        let pg_script = "SELECT ';' AS a; -- c;omment\nSELECT E'it\\'s;' /* one; /* nested; */ still; */; \
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT $1, \"a;b\" FROM t";
        assert_eq!(pieces(pg_script, SqlDialect::Postgres).len(), 4, "{:?}", pieces(pg_script, SqlDialect::Postgres));
        let my_script = "SELECT 'a\\';b' # note; here\nFROM t; SELECT `x;y` FROM u";
        assert_eq!(pieces(my_script, SqlDialect::MySql).len(), 2, "{:?}", pieces(my_script, SqlDialect::MySql));
        let lite_script = "SELECT [a;b] FROM t; SELECT 1";
        assert_eq!(pieces(lite_script, SqlDialect::Sqlite).len(), 2);
        assert_eq!(shift_lines("found: x at Line: 2, Column: 5", 10), "found: x at Line: 12, Column: 5");
    }

    #[test]
    fn statement_hashes_ignore_comments_and_layout() {
        let a = resolve_script("CREATE VIEW v AS SELECT amount FROM orders", &pg(), &schema()).expect("script");
        let b = resolve_script("-- why\nCREATE VIEW v AS\n  SELECT amount /* eur */ FROM orders;", &pg(), &schema()).expect("script");
        assert_eq!(a[0].hash, b[0].hash);
        assert_eq!(b[0].line, 2);
    }
}
