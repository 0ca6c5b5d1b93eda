//! The resolver: relations in scope, CTEs, joins and their merged columns, expressions walked
//! for the columns they read, and a statement's lineage assembled from them.

use super::*;
use sqlparser::ast::{
    AssignmentTarget, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, JoinConstraint, JoinOperator,
    MergeAction, MergeInsertKind, ObjectName, OrderByKind, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement,
    TableAlias, TableFactor, TableObject, TableWithJoins, UpdateTableFromKind, Use, Visit, Visitor, WindowType,
};
use std::collections::{BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

type ColId = u32;
type Inputs = Vec<(ColId, EdgeKind)>;

#[derive(Debug, Clone)]
struct RelColumn {
    name: String,
    inputs: Inputs,
}

#[derive(Debug, Clone)]
struct Relation {
    /// The name it is referred to by: its alias, else the table's (or CTE's) name.
    alias: String,
    alias_quoted: bool,
    /// The base table it reads, when it is one.
    table: Option<(String, String)>,
    columns: Vec<RelColumn>,
}

/// The relations visible in one SELECT, and the scope around it (correlated subqueries and
/// LATERAL joins see outward).
struct Scope<'p> {
    relations: Vec<Relation>,
    /// Columns merged by USING or NATURAL joins: an unqualified reference means the merged one.
    merged: Vec<RelColumn>,
    /// (relation, column) pairs hidden from `*` and unqualified lookup by a merge.
    hidden: Vec<(usize, usize)>,
    /// The select list's outputs, which GROUP BY, HAVING and ORDER BY may name.
    outputs: Vec<RelColumn>,
    parent: Option<&'p Scope<'p>>,
}

impl<'p> Scope<'p> {
    fn new(parent: Option<&'p Scope<'p>>) -> Scope<'p> {
        Scope { relations: Vec::new(), merged: Vec::new(), hidden: Vec::new(), outputs: Vec::new(), parent }
    }
}

pub(super) struct Resolver<'s> {
    dialect: SqlDialect,
    schema: &'s dyn Schema,
    /// Tables and views declared by earlier statements of the script.
    declared: SchemaMap,
    search_path: Vec<String>,
    ctes: Vec<Vec<(String, Vec<RelColumn>)>>,
    cols: Vec<ColumnRef>,
    col_ids: HashMap<ColumnRef, ColId>,
    deps: BTreeSet<(ColId, EdgeKind)>,
    unresolved: Vec<Unresolved>,
    /// Relations of an unaliased parenthesized join beyond its first, for the caller to add.
    pending_relations: Vec<Relation>,
    /// The columns of tables already read, by the address of their definition.
    table_columns: HashMap<usize, (Arc<TableDef>, Vec<RelColumn>)>,
}

fn strongest(inputs: &mut Inputs) {
    inputs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    inputs.dedup_by_key(|x| x.0);
}

fn compose(outer: EdgeKind, inner: EdgeKind) -> EdgeKind {
    outer.max(inner)
}

const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "string_agg",
    "array_agg",
    "group_concat",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "json_arrayagg",
    "json_objectagg",
    "bool_and",
    "bool_or",
    "every",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "std",
    "variance",
    "var_pop",
    "var_samp",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "median",
    "listagg",
    "any_value",
    "bit_and",
    "bit_or",
    "bit_xor",
    "corr",
    "covar_pop",
    "covar_samp",
    "regr_slope",
    "regr_intercept",
    "regr_count",
    "regr_r2",
    "regr_avgx",
    "regr_avgy",
    "regr_sxx",
    "regr_syy",
    "regr_sxy",
    "xmlagg",
    "total",
    "approx_count_distinct",
    "range_agg",
];

impl<'s> Resolver<'s> {
    pub(super) fn new(ctx: &Context, schema: &'s dyn Schema) -> Self {
        Resolver {
            dialect: ctx.dialect,
            schema,
            declared: SchemaMap::new(),
            search_path: ctx.search_path.clone(),
            ctes: Vec::new(),
            cols: Vec::new(),
            col_ids: HashMap::new(),
            deps: BTreeSet::new(),
            unresolved: Vec::new(),
            pending_relations: Vec::new(),
            table_columns: HashMap::new(),
        }
    }

    // ---- names ----

    /// An identifier as the engine stores it: PostgreSQL folds unquoted names to lower case.
    fn ident_name(&self, id: &Ident) -> String {
        if id.quote_style.is_none() && self.dialect == SqlDialect::Postgres {
            id.value.to_lowercase()
        } else {
            id.value.clone()
        }
    }

    /// Whether a reference matches a stored name under the engine's case rules.
    fn same(&self, id: &Ident, stored: &str) -> bool {
        if self.dialect.case_insensitive() {
            self.same_name(&id.value, stored)
        } else if id.quote_style.is_none() {
            // PostgreSQL: the reference folded to lower case equals the stored name.
            id.value.chars().flat_map(char::to_lowercase).eq(stored.chars())
        } else {
            id.value == stored
        }
    }

    /// Whether an already folded reference matches a stored name.
    fn same_name(&self, a: &str, b: &str) -> bool {
        if a == b {
            return true;
        }
        if self.dialect.case_insensitive() {
            a.eq_ignore_ascii_case(b) || (!a.is_ascii() || !b.is_ascii()) && a.to_lowercase() == b.to_lowercase()
        } else {
            false
        }
    }

    fn intern(&mut self, namespace: &str, dataset: &str, column: &str) -> ColId {
        let key = ColumnRef { namespace: namespace.to_string(), dataset: dataset.to_string(), column: column.to_string() };
        if let Some(&id) = self.col_ids.get(&key) {
            return id;
        }
        let id = self.cols.len() as ColId;
        self.cols.push(key.clone());
        self.col_ids.insert(key, id);
        id
    }

    fn unresolved(&mut self, name: impl Into<String>, reason: impl Into<String>) {
        let u = Unresolved { name: name.into(), reason: reason.into() };
        if !self.unresolved.contains(&u) {
            self.unresolved.push(u);
        }
    }

    fn idents(name: &ObjectName) -> Vec<&Ident> {
        name.0.iter().filter_map(|p| p.as_ident()).collect()
    }

    /// Looks a (possibly qualified) table name up: CTEs first, then the script's own
    /// declarations, then the schema, along the search path.
    fn lookup_table(&self, parts: &[&Ident]) -> Option<Arc<TableDef>> {
        let (ns, name) = match parts {
            [name] => (None, *name),
            [.., ns, name] => (Some(*ns), *name),
            [] => return None,
        };
        let exact = !self.dialect.case_insensitive();
        let table_name = self.ident_name(name);
        let qualified;
        let namespaces: &[String] = match ns {
            Some(ns) => {
                qualified = [self.ident_name(ns)];
                &qualified
            }
            None => &self.search_path,
        };
        for ns in namespaces {
            if let Some(t) = self.declared.table(ns, &table_name, exact) {
                return Some(t);
            }
            if let Some(t) = self.schema.table(ns, &table_name, exact) {
                return Some(t);
            }
        }
        None
    }

    fn lookup_cte(&self, parts: &[&Ident]) -> Option<Vec<RelColumn>> {
        let [name] = parts else { return None };
        for frame in self.ctes.iter().rev() {
            for (cte, cols) in frame.iter().rev() {
                if self.same(name, cte) {
                    return Some(cols.clone());
                }
            }
        }
        None
    }

    fn base_relation(&mut self, t: &Arc<TableDef>, alias: Option<&TableAlias>) -> Relation {
        let key = Arc::as_ptr(t) as usize;
        let columns = match self.table_columns.get(&key) {
            Some((_, cols)) => cols.clone(),
            None => {
                let cols: Vec<RelColumn> = t
                    .columns
                    .iter()
                    .map(|c| {
                        let id = self.intern(&t.namespace, &t.name, c);
                        RelColumn { name: c.clone(), inputs: vec![(id, EdgeKind::Identity)] }
                    })
                    .collect();
                // The Arc is kept with its columns, so its address is never reused meanwhile.
                self.table_columns.insert(key, (t.clone(), cols.clone()));
                cols
            }
        };
        let mut rel = Relation { alias: t.name.clone(), alias_quoted: true, table: Some((t.namespace.clone(), t.name.clone())), columns };
        self.apply_alias(&mut rel, alias);
        rel
    }

    fn apply_alias(&self, rel: &mut Relation, alias: Option<&TableAlias>) {
        if let Some(a) = alias {
            rel.alias = self.ident_name(&a.name);
            rel.alias_quoted = a.name.quote_style.is_some();
            for (col, def) in rel.columns.iter_mut().zip(&a.columns) {
                col.name = self.ident_name(&def.name);
            }
        }
    }

    // ---- statements ----

    pub(super) fn statement(&mut self, st: &Statement, view_body: Option<(DatasetRef, TargetKind, &Query)>) -> Outcome {
        self.deps.clear();
        self.unresolved.clear();
        self.ctes.clear();
        if let Some((target, kind, q)) = view_body {
            let outputs = self.query(q, None);
            let known = self.lookup_target(&target).is_some();
            return Outcome::Lineage(self.finish(target, kind, known, outputs));
        }
        match st {
            Statement::Query(_) => Outcome::NoDataFlow { what: "a query alone writes nothing".into() },
            Statement::CreateView { name, columns, query, materialized, .. } => {
                let target = self.target_ref(name);
                let mut outputs = self.query(query, None);
                for (out, def) in outputs.iter_mut().zip(columns) {
                    out.name = self.ident_name(&def.name);
                }
                self.declare(&target, &outputs);
                let kind = if *materialized { TargetKind::MaterializedView } else { TargetKind::View };
                Outcome::Lineage(self.finish(target, kind, true, outputs))
            }
            Statement::CreateTable(ct) => {
                let target = self.target_ref(&ct.name);
                match &ct.query {
                    Some(q) => {
                        let mut outputs = self.query(q, None);
                        for (out, def) in outputs.iter_mut().zip(&ct.columns) {
                            out.name = self.ident_name(&def.name);
                        }
                        self.declare(&target, &outputs);
                        Outcome::Lineage(self.finish(target, TargetKind::TableAs, true, outputs))
                    }
                    None => {
                        let names: Vec<String> = ct.columns.iter().map(|c| self.ident_name(&c.name)).collect();
                        self.declared.insert(&target.namespace, &target.dataset, names);
                        Outcome::NoDataFlow { what: format!("table {} declared", target.dataset) }
                    }
                }
            }
            Statement::Insert(ins) => self.insert(ins),
            Statement::Merge { table, source, on, clauses, .. } => self.merge(table, source, on, clauses),
            Statement::Update { table, assignments, from, selection, .. } => {
                self.update(table, assignments, from.as_ref(), selection.as_ref())
            }
            Statement::Set(set) => self.set(set),
            Statement::Use(u) => match u {
                Use::Object(n) | Use::Database(n) | Use::Schema(n) | Use::Catalog(n) => {
                    if let Some(last) = Self::idents(n).last() {
                        self.search_path = vec![self.ident_name(last)];
                    }
                    Outcome::NoDataFlow { what: "default namespace changed".into() }
                }
                _ => Outcome::NoDataFlow { what: "USE".into() },
            },
            other => {
                let text = other.to_string();
                let what: String = text.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
                Outcome::NoDataFlow { what }
            }
        }
    }

    fn set(&mut self, set: &sqlparser::ast::Set) -> Outcome {
        if let sqlparser::ast::Set::SingleAssignment { variable, values, .. } = set {
            let is_path = Self::idents(variable).last().is_some_and(|v| v.value.eq_ignore_ascii_case("search_path"));
            if is_path {
                let mut path = Vec::new();
                for v in values {
                    match v {
                        Expr::Identifier(id) => path.push(self.ident_name(id)),
                        Expr::Value(v) => {
                            if let Some(s) = v.value.clone().into_string() {
                                path.extend(s.split(',').map(|p| p.trim().trim_matches('"').to_string()).filter(|p| !p.is_empty()));
                            }
                        }
                        _ => {}
                    }
                }
                path.retain(|p| p != "$user");
                if !path.is_empty() {
                    self.search_path = path;
                }
                return Outcome::NoDataFlow { what: "search path changed".into() };
            }
        }
        Outcome::NoDataFlow { what: "SET".into() }
    }

    fn target_ref(&self, name: &ObjectName) -> DatasetRef {
        let parts = Self::idents(name);
        let dataset = parts.last().map(|i| self.ident_name(i)).unwrap_or_default();
        let namespace = match parts.as_slice() {
            [.., ns, _] => self.ident_name(ns),
            _ => self.search_path.first().cloned().unwrap_or_default(),
        };
        // A target that already exists is written under its stored spelling.
        if let Some(t) = self.lookup_table(&parts) {
            return DatasetRef { namespace: t.namespace.clone(), dataset: t.name.clone() };
        }
        DatasetRef { namespace, dataset }
    }

    fn lookup_target(&self, target: &DatasetRef) -> Option<Arc<TableDef>> {
        let exact = !self.dialect.case_insensitive();
        self.declared
            .table(&target.namespace, &target.dataset, exact)
            .or_else(|| self.schema.table(&target.namespace, &target.dataset, exact))
    }

    fn declare(&mut self, target: &DatasetRef, outputs: &[RelColumn]) {
        self.declared.insert(&target.namespace, &target.dataset, outputs.iter().map(|o| o.name.clone()).collect());
    }

    /// Builds the statement's lineage: drops self-edges and the target's own columns as
    /// dependencies, and resolves ids to names.
    fn finish(&mut self, target: DatasetRef, kind: TargetKind, target_known: bool, outputs: Vec<RelColumn>) -> StatementLineage {
        let own = |c: &ColumnRef| c.namespace == target.namespace && c.dataset == target.dataset;
        let columns = outputs
            .into_iter()
            .map(|mut o| {
                strongest(&mut o.inputs);
                let inputs = o
                    .inputs
                    .iter()
                    .map(|&(id, k)| (self.cols[id as usize].clone(), k))
                    .filter(|(c, _)| !(own(c) && c.column == o.name))
                    .collect();
                OutputColumn { name: o.name, inputs }
            })
            .collect();
        let dependencies = self
            .deps
            .iter()
            .map(|&(id, k)| (self.cols[id as usize].clone(), k))
            .filter(|(c, _)| !(own(c) && matches!(kind, TargetKind::Merge | TargetKind::Update)))
            .collect();
        StatementLineage { target, kind, target_known, columns, dependencies, unresolved: std::mem::take(&mut self.unresolved) }
    }

    fn insert(&mut self, ins: &sqlparser::ast::Insert) -> Outcome {
        let TableObject::TableName(name) = &ins.table else {
            return Outcome::NoDataFlow { what: "insert into a table function".into() };
        };
        let Some(source) = &ins.source else {
            return Outcome::NoDataFlow { what: "insert of literal values".into() };
        };
        let target = self.target_ref(name);
        let existing = self.lookup_target(&target);
        let mut outputs = self.query(source, None);
        if matches!(source.body.as_ref(), SetExpr::Values(_)) {
            return Outcome::NoDataFlow { what: "insert of literal values".into() };
        }
        let names: Vec<String> = if !ins.columns.is_empty() {
            ins.columns.iter().map(|c| self.stored_column(existing.as_deref(), c)).collect()
        } else if let Some(t) = &existing {
            t.columns.clone()
        } else {
            outputs.iter().map(|o| o.name.clone()).collect()
        };
        if names.len() != outputs.len() {
            self.unresolved(
                target.dataset.clone(),
                format!("the insert names {} target columns but its query gives {}", names.len(), outputs.len()),
            );
        }
        outputs.truncate(names.len());
        for (out, name) in outputs.iter_mut().zip(names) {
            out.name = name;
        }
        if existing.is_none() {
            self.declare(&target, &outputs);
        }
        Outcome::Lineage(self.finish(target, TargetKind::Insert, existing.is_some(), outputs))
    }

    /// A target column named in the statement, spelled as the target table stores it.
    fn stored_column(&self, table: Option<&TableDef>, id: &Ident) -> String {
        table.and_then(|t| t.columns.iter().find(|c| self.same(id, c)).cloned()).unwrap_or_else(|| self.ident_name(id))
    }

    fn merge(&mut self, table: &TableFactor, source: &TableFactor, on: &Expr, clauses: &[sqlparser::ast::MergeClause]) -> Outcome {
        let TableFactor::Table { name, alias, .. } = table else {
            return Outcome::Failed { message: "MERGE into something other than a table".into() };
        };
        let target = self.target_ref(name);
        let existing = self.lookup_target(&target);
        let mut scope = Scope::new(None);
        let target_rel = match &existing {
            Some(t) => self.base_relation(&t.clone(), alias.as_ref()),
            None => {
                self.unresolved(name.to_string(), "the MERGE target is not in the catalog");
                Relation { alias: target.dataset.clone(), alias_quoted: true, table: None, columns: Vec::new() }
            }
        };
        scope.relations.push(target_rel);
        if let Some(rel) = self.table_factor(source, &scope) {
            scope.relations.push(rel);
        }
        self.filter(on, &scope, EdgeKind::Join);
        let mut outputs: Vec<RelColumn> = Vec::new();
        for clause in clauses {
            if let Some(p) = &clause.predicate {
                self.filter(p, &scope, EdgeKind::Filter);
            }
            match &clause.action {
                MergeAction::Update { assignments } => {
                    for a in assignments {
                        self.assignment(a, &scope, existing.as_deref(), &mut outputs);
                    }
                }
                MergeAction::Insert(ins) => {
                    if let MergeInsertKind::Values(values) = &ins.kind {
                        if let Some(row) = values.rows.first() {
                            for (col, e) in ins.columns.iter().zip(row) {
                                let name = self.stored_column(existing.as_deref(), col);
                                let inputs = self.expr_inputs(e, &scope);
                                push_output(&mut outputs, name, inputs);
                            }
                        }
                    }
                }
                MergeAction::Delete => {}
            }
        }
        Outcome::Lineage(self.finish(target, TargetKind::Merge, existing.is_some(), outputs))
    }

    fn assignment(&mut self, a: &sqlparser::ast::Assignment, scope: &Scope, table: Option<&TableDef>, outputs: &mut Vec<RelColumn>) {
        let AssignmentTarget::ColumnName(col) = &a.target else {
            self.unresolved(a.target.to_string(), "tuple assignments are not resolved");
            return;
        };
        let Some(last) = Self::idents(col).last().copied() else { return };
        let name = self.stored_column(table, last);
        let inputs = self.expr_inputs(&a.value, scope);
        push_output(outputs, name, inputs);
    }

    fn update(
        &mut self,
        table: &TableWithJoins,
        assignments: &[sqlparser::ast::Assignment],
        from: Option<&UpdateTableFromKind>,
        selection: Option<&Expr>,
    ) -> Outcome {
        let TableFactor::Table { name, .. } = &table.relation else {
            return Outcome::Failed { message: "UPDATE of something other than a table".into() };
        };
        let mut scope = Scope::new(None);
        self.add_from_item(table, &mut scope);
        if let Some(UpdateTableFromKind::BeforeSet(f) | UpdateTableFromKind::AfterSet(f)) = from {
            for item in f {
                self.add_from_item(item, &mut scope);
            }
        }
        // MySQL's multi-table UPDATE may set a column of a joined table: the qualifier decides.
        let mut by_target: Vec<(DatasetRef, Option<Arc<TableDef>>, Vec<RelColumn>)> = Vec::new();
        let default_target = self.target_ref(name);
        for a in assignments {
            let target = match &a.target {
                AssignmentTarget::ColumnName(col) => {
                    let parts = Self::idents(col);
                    match parts.as_slice() {
                        [.., q, _] => scope
                            .relations
                            .iter()
                            .find(|r| self.same_name(&self.ident_name(q), &r.alias))
                            .and_then(|r| r.table.clone())
                            .map(|(namespace, dataset)| DatasetRef { namespace, dataset })
                            .unwrap_or_else(|| default_target.clone()),
                        _ => default_target.clone(),
                    }
                }
                AssignmentTarget::Tuple(_) => default_target.clone(),
            };
            let pos = match by_target.iter().position(|(t, _, _)| *t == target) {
                Some(p) => p,
                None => {
                    let existing = self.lookup_target(&target);
                    by_target.push((target, existing, Vec::new()));
                    by_target.len() - 1
                }
            };
            let existing = by_target[pos].1.clone();
            let mut outputs = std::mem::take(&mut by_target[pos].2);
            self.assignment(a, &scope, existing.as_deref(), &mut outputs);
            by_target[pos].2 = outputs;
        }
        if let Some(w) = selection {
            self.filter(w, &scope, EdgeKind::Filter);
        }
        let Some((target, existing, outputs)) = by_target.into_iter().next() else {
            return Outcome::NoDataFlow { what: "update without assignments".into() };
        };
        Outcome::Lineage(self.finish(target, TargetKind::Update, existing.is_some(), outputs))
    }

    // ---- queries ----

    fn query(&mut self, q: &Query, parent: Option<&Scope>) -> Vec<RelColumn> {
        let pushed = q.with.is_some();
        if let Some(with) = &q.with {
            self.ctes.push(Vec::new());
            for cte in &with.cte_tables {
                let name = self.ident_name(&cte.alias.name);
                let rename: Vec<String> = cte.alias.columns.iter().map(|c| self.ident_name(&c.name)).collect();
                if with.recursive {
                    // The recursive branch's reference to the CTE itself adds nothing of its
                    // own: bind the name to the anchor's column names, without inputs.
                    let mut names: Vec<String> = match anchor(&cte.query.body) {
                        Some(anchor_body) => {
                            let saved = std::mem::take(&mut self.deps);
                            let unresolved = self.unresolved.len();
                            let outs = self.set_expr(anchor_body, parent, None);
                            self.deps = saved;
                            self.unresolved.truncate(unresolved);
                            outs.into_iter().map(|o| o.name).collect()
                        }
                        None => Vec::new(),
                    };
                    for (n, r) in names.iter_mut().zip(&rename) {
                        *n = r.clone();
                    }
                    let self_reference = names.into_iter().map(|name| RelColumn { name, inputs: Vec::new() }).collect();
                    if let Some(frame) = self.ctes.last_mut() {
                        frame.push((name.clone(), self_reference));
                    }
                }
                let mut outs = self.query(&cte.query, parent);
                for (o, r) in outs.iter_mut().zip(&rename) {
                    o.name = r.clone();
                }
                if let Some(frame) = self.ctes.last_mut() {
                    frame.push((name, outs));
                }
            }
        }
        let outputs = self.set_expr(&q.body, parent, q.order_by.as_ref().map(|o| &o.kind));
        if pushed {
            self.ctes.pop();
        }
        outputs
    }

    fn set_expr(&mut self, body: &SetExpr, parent: Option<&Scope>, order_by: Option<&OrderByKind>) -> Vec<RelColumn> {
        match body {
            SetExpr::Select(s) => self.select(s, parent, order_by),
            SetExpr::Query(q) => self.query(q, parent),
            SetExpr::SetOperation { left, right, .. } => {
                let mut outs = self.set_expr(left, parent, None);
                let right = self.set_expr(right, parent, None);
                for (o, r) in outs.iter_mut().zip(right) {
                    o.inputs.extend(r.inputs);
                    strongest(&mut o.inputs);
                }
                if let Some(OrderByKind::Expressions(items)) = order_by {
                    let mut scope = Scope::new(parent);
                    scope.outputs = outs.clone();
                    for item in items {
                        self.filter(&item.expr, &scope, EdgeKind::Filter);
                    }
                }
                outs
            }
            SetExpr::Values(v) => {
                let scope = Scope::new(parent);
                let width = v.rows.first().map(Vec::len).unwrap_or(0);
                let mut outs: Vec<RelColumn> = (1..=width).map(|i| RelColumn { name: format!("column{i}"), inputs: Vec::new() }).collect();
                for row in &v.rows {
                    for (o, e) in outs.iter_mut().zip(row) {
                        let inputs = self.expr_inputs(e, &scope);
                        o.inputs.extend(inputs);
                    }
                }
                outs
            }
            SetExpr::Table(t) => {
                let Some(name) = &t.table_name else { return Vec::new() };
                let id = Ident::new(name.clone());
                match self.lookup_table(&[&id]) {
                    Some(def) => self.base_relation(&def, None).columns,
                    None => {
                        self.unresolved(name.clone(), "no such table or view in the catalog");
                        Vec::new()
                    }
                }
            }
            other => {
                self.unresolved(other.to_string().chars().take(60).collect::<String>(), "data-changing statement inside a query");
                Vec::new()
            }
        }
    }

    fn select(&mut self, s: &Select, parent: Option<&Scope>, order_by: Option<&OrderByKind>) -> Vec<RelColumn> {
        let mut scope = Scope::new(parent);
        for item in &s.from {
            self.add_from_item(item, &mut scope);
        }
        let mut outputs: Vec<RelColumn> = Vec::new();
        for item in &s.projection {
            if outputs.len() >= MAX_OUTPUT_COLUMNS {
                self.unresolved("*", format!("more than {MAX_OUTPUT_COLUMNS} output columns; the rest are not resolved"));
                break;
            }
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = self.output_name(e);
                    let inputs = self.expr_inputs(e, &scope);
                    outputs.push(RelColumn { name, inputs });
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let inputs = self.expr_inputs(expr, &scope);
                    outputs.push(RelColumn { name: self.ident_name(alias), inputs });
                }
                SelectItem::Wildcard(_) => {
                    if scope.relations.is_empty() {
                        self.unresolved("*", "SELECT * without a FROM clause");
                    }
                    outputs.extend(scope.merged.iter().cloned());
                    for (ri, rel) in scope.relations.iter().enumerate() {
                        for (ci, col) in rel.columns.iter().enumerate() {
                            if !scope.hidden.contains(&(ri, ci)) {
                                outputs.push(col.clone());
                            }
                        }
                    }
                }
                SelectItem::QualifiedWildcard(kind, _) => match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => {
                        let parts = Self::idents(name);
                        match self.find_relation(&scope, &parts) {
                            Some(rel) => outputs.extend(rel.columns.iter().cloned()),
                            None => self.unresolved(format!("{name}.*"), "no relation of that name in the FROM clause"),
                        }
                    }
                    SelectItemQualifiedWildcardKind::Expr(e) => {
                        let inputs = self.expr_inputs(e, &scope);
                        outputs.push(RelColumn { name: "?column?".into(), inputs });
                    }
                },
            }
        }
        scope.outputs = outputs.clone();
        if let Some(w) = &s.selection {
            self.filter(w, &scope, EdgeKind::Filter);
        }
        if let Some(w) = &s.prewhere {
            self.filter(w, &scope, EdgeKind::Filter);
        }
        if let GroupByExpr::Expressions(exprs, _) = &s.group_by {
            for e in exprs {
                self.group_item(e, &scope);
            }
        }
        if let Some(h) = &s.having {
            self.filter(h, &scope, EdgeKind::Filter);
        }
        if let Some(q) = &s.qualify {
            self.filter(q, &scope, EdgeKind::Filter);
        }
        if let Some(sqlparser::ast::Distinct::On(exprs)) = &s.distinct {
            for e in exprs {
                self.filter(e, &scope, EdgeKind::Filter);
            }
        }
        if let Some(OrderByKind::Expressions(items)) = order_by {
            for item in items {
                self.group_item(&item.expr, &scope);
            }
        }
        outputs
    }

    /// A GROUP BY or ORDER BY item: a column, an output's alias, or an output's position.
    fn group_item(&mut self, e: &Expr, scope: &Scope) {
        if let Expr::Value(v) = e {
            if let sqlparser::ast::Value::Number(n, _) = &v.value {
                if let Some(o) = n.parse::<usize>().ok().and_then(|i| i.checked_sub(1)).and_then(|i| scope.outputs.get(i)) {
                    for &(id, _) in &o.inputs {
                        self.deps.insert((id, EdgeKind::Filter));
                    }
                }
                return;
            }
        }
        self.filter(e, scope, EdgeKind::Filter);
    }

    fn add_from_item(&mut self, item: &TableWithJoins, scope: &mut Scope) {
        if let Some(rel) = self.table_factor(&item.relation, scope) {
            scope.relations.push(rel);
            scope.relations.append(&mut self.pending_relations);
        }
        for join in &item.joins {
            let Some(rel) = self.table_factor(&join.relation, scope) else { continue };
            let nested = std::mem::take(&mut self.pending_relations);
            let (constraint, side) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::StraightJoin(c) => (Some(c), Side::Left),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) | JoinOperator::LeftSemi(c) | JoinOperator::LeftAnti(c) => {
                    (Some(c), Side::Left)
                }
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) | JoinOperator::RightSemi(c) | JoinOperator::RightAnti(c) => {
                    (Some(c), Side::Right)
                }
                JoinOperator::FullOuter(c) => (Some(c), Side::Both),
                JoinOperator::CrossJoin(c) | JoinOperator::Semi(c) | JoinOperator::Anti(c) => (Some(c), Side::Left),
                JoinOperator::AsOf { match_condition, constraint } => {
                    self.filter(match_condition, scope, EdgeKind::Join);
                    (Some(constraint), Side::Left)
                }
                JoinOperator::CrossApply | JoinOperator::OuterApply => (None, Side::Left),
            };
            scope.relations.push(rel);
            let right = scope.relations.len() - 1;
            scope.relations.extend(nested);
            match constraint {
                Some(JoinConstraint::On(e)) => self.filter(e, scope, EdgeKind::Join),
                Some(JoinConstraint::Using(cols)) => {
                    let names: Vec<String> = cols.iter().filter_map(|c| Self::idents(c).last().map(|i| self.ident_name(i))).collect();
                    self.merge_columns(scope, right, &names, side);
                }
                Some(JoinConstraint::Natural) => {
                    let names: Vec<String> = scope.relations[right]
                        .columns
                        .iter()
                        .filter(|c| {
                            scope.relations[..right].iter().enumerate().any(|(ri, r)| {
                                r.columns
                                    .iter()
                                    .enumerate()
                                    .any(|(ci, l)| !scope.hidden.contains(&(ri, ci)) && self.same_name(&l.name, &c.name))
                            }) || scope.merged.iter().any(|m| self.same_name(&m.name, &c.name))
                        })
                        .map(|c| c.name.clone())
                        .collect();
                    self.merge_columns(scope, right, &names, side);
                }
                _ => {}
            }
        }
    }

    /// Merges the columns `names` of relation `right` with the same-named columns to its left
    /// (USING / NATURAL): one column remains, taken from the side the join keeps.
    fn merge_columns(&mut self, scope: &mut Scope, right: usize, names: &[String], side: Side) {
        for name in names {
            let r = scope.relations[right].columns.iter().position(|c| self.same_name(&c.name, name));
            let merged_pos = scope.merged.iter().position(|m| self.same_name(&m.name, name));
            let left = (0..right).find_map(|ri| {
                scope.relations[ri]
                    .columns
                    .iter()
                    .position(|c| self.same_name(&c.name, name))
                    .filter(|&ci| !scope.hidden.contains(&(ri, ci)))
                    .map(|ci| (ri, ci))
            });
            let (Some(rc), true) = (r, left.is_some() || merged_pos.is_some()) else {
                self.unresolved(name.clone(), "USING names a column missing on one side of the join");
                continue;
            };
            let right_col = scope.relations[right].columns[rc].clone();
            let left_col = match merged_pos {
                Some(p) => scope.merged[p].clone(),
                None => {
                    let (ri, ci) = left.expect("checked above");
                    scope.relations[ri].columns[ci].clone()
                }
            };
            for &(id, _) in left_col.inputs.iter().chain(&right_col.inputs) {
                self.deps.insert((id, EdgeKind::Join));
            }
            let inputs = match side {
                Side::Left => left_col.inputs.clone(),
                Side::Right => right_col.inputs.clone(),
                Side::Both => {
                    left_col.inputs.iter().chain(&right_col.inputs).map(|&(id, k)| (id, compose(EdgeKind::Transformed, k))).collect()
                }
            };
            let merged = RelColumn { name: left_col.name.clone(), inputs };
            match merged_pos {
                Some(p) => scope.merged[p] = merged,
                None => {
                    scope.merged.push(merged);
                    if let Some(l) = left {
                        scope.hidden.push(l);
                    }
                }
            }
            scope.hidden.push((right, rc));
        }
    }

    fn table_factor(&mut self, tf: &TableFactor, scope: &Scope) -> Option<Relation> {
        match tf {
            TableFactor::Table { name, alias, args, .. } => {
                let parts = Self::idents(name);
                if args.is_some() {
                    // A set-returning function: its columns are not known to the catalog.
                    let mut rel = Relation { alias: name.to_string(), alias_quoted: true, table: None, columns: Vec::new() };
                    self.apply_alias(&mut rel, alias.as_ref());
                    return Some(rel);
                }
                if let Some(cols) = self.lookup_cte(&parts) {
                    let mut rel = Relation {
                        alias: parts.last().map(|i| self.ident_name(i)).unwrap_or_default(),
                        alias_quoted: true,
                        table: None,
                        columns: cols,
                    };
                    self.apply_alias(&mut rel, alias.as_ref());
                    return Some(rel);
                }
                match self.lookup_table(&parts) {
                    Some(def) => Some(self.base_relation(&def, alias.as_ref())),
                    None => {
                        self.unresolved(name.to_string(), "no such table or view in the catalog");
                        let mut rel = Relation {
                            alias: parts.last().map(|i| self.ident_name(i)).unwrap_or_default(),
                            alias_quoted: true,
                            table: None,
                            columns: Vec::new(),
                        };
                        self.apply_alias(&mut rel, alias.as_ref());
                        Some(rel)
                    }
                }
            }
            TableFactor::Derived { lateral, subquery, alias } => {
                let columns = if *lateral {
                    let view = Scope {
                        relations: scope.relations.clone(),
                        merged: scope.merged.clone(),
                        hidden: scope.hidden.clone(),
                        outputs: Vec::new(),
                        parent: scope.parent,
                    };
                    self.query(subquery, Some(&view))
                } else {
                    self.query(subquery, scope.parent)
                };
                let mut rel = Relation { alias: String::new(), alias_quoted: true, table: None, columns };
                self.apply_alias(&mut rel, alias.as_ref());
                Some(rel)
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                let mut inner = Scope::new(scope.parent);
                self.add_from_item(table_with_joins, &mut inner);
                let mut columns = inner.merged.clone();
                for (ri, rel) in inner.relations.iter().enumerate() {
                    for (ci, c) in rel.columns.iter().enumerate() {
                        if !inner.hidden.contains(&(ri, ci)) {
                            columns.push(c.clone());
                        }
                    }
                }
                match alias {
                    Some(_) => {
                        let mut rel = Relation { alias: String::new(), alias_quoted: true, table: None, columns };
                        self.apply_alias(&mut rel, alias.as_ref());
                        Some(rel)
                    }
                    // Without an alias the joined relations stay visible by their own names:
                    // flatten them into one relation per table.
                    None => {
                        let mut first = None;
                        for rel in inner.relations {
                            if first.is_none() {
                                first = Some(rel);
                            } else {
                                self.pending_relations.push(rel);
                            }
                        }
                        first
                    }
                }
            }
            TableFactor::Function { name, alias, args, .. } => {
                for a in args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = a {
                        let _ = self.expr_inputs(e, scope);
                    }
                }
                let mut rel = Relation { alias: name.to_string(), alias_quoted: true, table: None, columns: Vec::new() };
                self.apply_alias(&mut rel, alias.as_ref());
                Some(rel)
            }
            TableFactor::UNNEST { alias, array_exprs, .. } => {
                let mut inputs = Vec::new();
                for e in array_exprs {
                    inputs.extend(self.expr_inputs(e, scope));
                }
                let mut rel = Relation {
                    alias: "unnest".into(),
                    alias_quoted: true,
                    table: None,
                    columns: vec![RelColumn { name: "unnest".into(), inputs }],
                };
                self.apply_alias(&mut rel, alias.as_ref());
                Some(rel)
            }
            other => {
                self.unresolved(other.to_string().chars().take(60).collect::<String>(), "this kind of FROM item is not resolved");
                None
            }
        }
    }

    fn find_relation<'a>(&self, scope: &'a Scope, parts: &[&Ident]) -> Option<&'a Relation> {
        let mut s = Some(scope);
        while let Some(sc) = s {
            let hit = match parts {
                [name] => sc.relations.iter().rev().find(|r| self.same(name, &r.alias)),
                // `schema.table.column`: the relation reading that table (lenient: PostgreSQL
                // would want its alias once it has one).
                [.., ns, name] => {
                    sc.relations.iter().find(|r| r.table.as_ref().is_some_and(|(tns, tname)| self.same(ns, tns) && self.same(name, tname)))
                }
                [] => None,
            };
            if hit.is_some() {
                return hit;
            }
            s = sc.parent;
        }
        None
    }

    /// The inputs of the column a reference names; `None` (and a report) when it names none.
    fn column(&mut self, parts: &[Ident], scope: &Scope) -> Option<Inputs> {
        let refs: Vec<&Ident> = parts.iter().collect();
        match refs.as_slice() {
            [name] => {
                let key = self.ident_name(name);
                let mut s = Some(scope);
                while let Some(sc) = s {
                    if let Some(m) = sc.merged.iter().find(|m| self.same_name(&key, &m.name)) {
                        return Some(m.inputs.clone());
                    }
                    let this = &*self;
                    let key = key.as_str();
                    let mut hits = sc.relations.iter().enumerate().flat_map(|(ri, r)| {
                        r.columns.iter().enumerate().filter(move |(ci, c)| this.same_name(key, &c.name) && !sc.hidden.contains(&(ri, *ci)))
                    });
                    if let Some((_, c)) = hits.next() {
                        let ambiguous = hits.next().is_some();
                        let inputs = c.inputs.clone();
                        if ambiguous {
                            self.unresolved(name.value.clone(), "ambiguous: more than one relation in the FROM clause has this column");
                            return None;
                        }
                        return Some(inputs);
                    }
                    if let Some(o) = sc.outputs.iter().find(|o| self.same_name(key, &o.name)) {
                        return Some(o.inputs.clone());
                    }
                    s = sc.parent;
                }
                // A relation the catalog does not know (already reported) may hold it.
                let mut s = Some(scope);
                while let Some(sc) = s {
                    if sc.relations.iter().any(|r| r.table.is_none() && r.columns.is_empty()) {
                        return None;
                    }
                    s = sc.parent;
                }
                self.unresolved(name.value.clone(), "no column of this name in the relations of the FROM clause");
                None
            }
            [qual @ .., name] => {
                let Some(rel) = self.find_relation(scope, qual) else {
                    let written = parts.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(".");
                    self.unresolved(
                        written,
                        format!("no relation `{}` in the FROM clause", qual.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(".")),
                    );
                    return None;
                };
                let key = self.ident_name(name);
                match rel.columns.iter().find(|c| self.same_name(&key, &c.name)) {
                    Some(c) => Some(c.inputs.clone()),
                    None => {
                        if rel.columns.is_empty() {
                            // Already reported: the relation itself is unknown.
                            return None;
                        }
                        let written = parts.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(".");
                        self.unresolved(written, format!("`{}` has no column `{}`", rel.alias, name.value));
                        None
                    }
                }
            }
            [] => None,
        }
    }

    fn output_name(&self, e: &Expr) -> String {
        match e {
            Expr::Identifier(id) => self.ident_name(id),
            Expr::CompoundIdentifier(ids) => ids.last().map(|i| self.ident_name(i)).unwrap_or_default(),
            Expr::Nested(inner) => self.output_name(inner),
            Expr::Cast { expr, .. } if self.dialect == SqlDialect::Postgres => self.output_name(expr),
            Expr::Function(f) if self.dialect == SqlDialect::Postgres => {
                f.name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_lowercase()).unwrap_or_else(|| "?column?".into())
            }
            _ if self.dialect == SqlDialect::Postgres => "?column?".into(),
            other => other.to_string(),
        }
    }

    /// The inputs of an expression that produces an output value.
    fn expr_inputs(&mut self, e: &Expr, scope: &Scope) -> Inputs {
        let mut bare = e;
        while let Expr::Nested(inner) = bare {
            bare = inner;
        }
        match bare {
            Expr::Identifier(id) => return self.column(std::slice::from_ref(id), scope).unwrap_or_default(),
            Expr::CompoundIdentifier(ids) => return self.column(ids, scope).unwrap_or_default(),
            _ => {}
        }
        let mut walk = ExprWalk { r: self, scope, agg: 0, skip: None, out: Vec::new() };
        let _ = e.visit(&mut walk);
        let mut out = walk.out;
        strongest(&mut out);
        out
    }

    /// Records every column an expression reads as a dependency of `kind`.
    fn filter(&mut self, e: &Expr, scope: &Scope, kind: EdgeKind) {
        let inputs = self.expr_inputs(e, scope);
        for (id, _) in inputs {
            self.deps.insert((id, kind));
        }
    }
}

#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
    Both,
}

fn push_output(outputs: &mut Vec<RelColumn>, name: String, inputs: Inputs) {
    match outputs.iter_mut().find(|o| o.name == name) {
        Some(o) => {
            o.inputs.extend(inputs);
            strongest(&mut o.inputs);
        }
        None => outputs.push(RelColumn { name, inputs }),
    }
}

/// The anchor (first, non-recursive) branch of a recursive CTE's body.
fn anchor(body: &SetExpr) -> Option<&SetExpr> {
    match body {
        SetExpr::SetOperation { left, .. } => anchor(left).or(Some(left)),
        SetExpr::Query(q) => anchor(&q.body),
        _ => None,
    }
    .map(|b| match b {
        SetExpr::SetOperation { .. } => anchor(b).unwrap_or(b),
        other => other,
    })
}

/// Walks an expression for the columns it reads: identity never (a bare column is handled
/// before), aggregated inside aggregate functions, transformed elsewhere. Function calls and
/// subqueries are handled by hand and their subtree skipped.
struct ExprWalk<'a, 'r, 'p> {
    r: &'a mut Resolver<'r>,
    scope: &'a Scope<'p>,
    agg: u32,
    /// The node whose subtree was handled by hand, skipped until the walk leaves it.
    skip: Option<*const Expr>,
    out: Inputs,
}

impl ExprWalk<'_, '_, '_> {
    fn kind(&self) -> EdgeKind {
        if self.agg > 0 {
            EdgeKind::Aggregated
        } else {
            EdgeKind::Transformed
        }
    }

    fn add(&mut self, inputs: Inputs, kind: EdgeKind) {
        self.out.extend(inputs.into_iter().map(|(id, k)| (id, compose(kind, k))));
    }

    fn sub(&mut self, e: &Expr, agg: u32) -> Inputs {
        let mut walk = ExprWalk { r: &mut *self.r, scope: self.scope, agg, skip: None, out: Vec::new() };
        let _ = e.visit(&mut walk);
        walk.out
    }

    /// The value a subquery yields: the inputs of all its outputs (one, for a scalar one).
    fn subquery(&mut self, q: &Query) -> Inputs {
        let outs = self.r.query(q, Some(self.scope));
        outs.into_iter().flat_map(|o| o.inputs).collect()
    }

    fn function(&mut self, f: &Function) {
        let name = f.name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_lowercase()).unwrap_or_default();
        let is_agg = AGGREGATES.contains(&name.as_str()) || !f.within_group.is_empty();
        let agg = if is_agg { self.agg + 1 } else { self.agg };
        let mut inputs = Vec::new();
        match &f.args {
            FunctionArguments::List(list) => {
                for a in &list.args {
                    let arg = match a {
                        FunctionArg::Named { arg, .. } | FunctionArg::ExprNamed { arg, .. } | FunctionArg::Unnamed(arg) => arg,
                    };
                    if let FunctionArgExpr::Expr(e) = arg {
                        inputs.extend(self.sub(e, agg));
                    }
                }
                for clause in &list.clauses {
                    if let sqlparser::ast::FunctionArgumentClause::OrderBy(items) = clause {
                        for item in items {
                            inputs.extend(self.sub(&item.expr, agg));
                        }
                    }
                }
            }
            FunctionArguments::Subquery(q) => {
                let kind = if agg > 0 { EdgeKind::Aggregated } else { EdgeKind::Transformed };
                let sub = self.subquery(q);
                inputs.extend(sub.into_iter().map(|(id, k)| (id, compose(kind, k))));
            }
            FunctionArguments::None => {}
        }
        if let Some(filter) = &f.filter {
            inputs.extend(self.sub(filter, agg));
        }
        for item in &f.within_group {
            inputs.extend(self.sub(&item.expr, agg));
        }
        self.out.extend(inputs);
        if let Some(WindowType::WindowSpec(spec)) = &f.over {
            for e in &spec.partition_by {
                let i = self.sub(e, 0);
                self.out.extend(i);
            }
            for item in &spec.order_by {
                let i = self.sub(&item.expr, 0);
                self.out.extend(i);
            }
        }
    }
}

impl Visitor for ExprWalk<'_, '_, '_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.skip.is_some() {
            return ControlFlow::Continue(());
        }
        let kind = self.kind();
        match e {
            Expr::Identifier(id) => {
                if let Some(inputs) = self.r.column(std::slice::from_ref(id), self.scope) {
                    self.add(inputs, kind);
                }
            }
            Expr::CompoundIdentifier(ids) => {
                if let Some(inputs) = self.r.column(ids, self.scope) {
                    self.add(inputs, kind);
                }
            }
            Expr::Function(f) => {
                self.function(f);
                self.skip = Some(e as *const Expr);
            }
            Expr::Subquery(q) => {
                let inputs = self.subquery(q);
                self.add(inputs, kind);
                self.skip = Some(e as *const Expr);
            }
            Expr::Exists { subquery, .. } => {
                let inputs = self.subquery(subquery);
                self.add(inputs, kind);
                self.skip = Some(e as *const Expr);
            }
            Expr::InSubquery { expr, subquery, .. } => {
                let left = self.sub(expr, self.agg);
                self.out.extend(left);
                let inputs = self.subquery(subquery);
                self.add(inputs, kind);
                self.skip = Some(e as *const Expr);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.skip == Some(e as *const Expr) {
            self.skip = None;
        }
        ControlFlow::Continue(())
    }
}
