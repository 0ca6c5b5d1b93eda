"""Peer measurement for the lineage benchmark: how many output columns per second sqlglot's
column-lineage module resolves down to source table columns.

For every statement (CREATE VIEW / CREATE TABLE AS / INSERT ... SELECT, or a bare query) the
query is parsed with the given dialect, its output columns are listed, and for each one
`sqlglot.lineage.lineage()` builds the lineage tree, which is walked to its leaves. A leaf whose
expression is a table counts as one source column (distinct per output column). A column whose
lineage raises counts as an error and the run goes on; a statement that cannot be parsed or has
no query counts as one error.

The clock (time.perf_counter) runs around the whole loop, parsing included; building the
schema object once beforehand is setup and is not timed.

Modes (--mode):
  scope  (default) qualify the query once per statement, build its scope once, and call
         lineage(column, query, scope=scope, copy=False, trim_selects=False) per output column.
         `scope` ("a pre-created scope to use instead") is a documented lineage() argument and
         skips the per-call copy + qualify of the whole query; trim_selects only shapes the
         Node.source shown to people, never the leaves.
  naive  lineage(column, query, schema=..., dialect=...) per column with the library defaults:
         every call copies and re-qualifies the whole query.
  all    one lineage(None, query, scope=scope) call per statement (sqlglot >= 30.x all-columns
         mode, one shared cache for all columns); falls back to per-column calls for a
         statement where it raises, so errors stay per column.

Input: one argument, a JSON file
  {"dialect": "postgres",
   "schema": {namespace: {table: {column: type}}},
   "statements": ["CREATE VIEW ... AS SELECT ...", ...],
   "seconds": 20}            # optional budget: stop after the statement during which it ran out
The schema is already sqlglot's MappingSchema {db: {table: {col: type}}} shape and is passed
through as one MappingSchema (tables without columns are dropped: sqlglot refuses them).

Output: one JSON line on stdout
  {"statements", "columns", "leaves", "errors", "seconds", "columns_per_second", "sqlglot",
   "unresolved", "mode"}
`unresolved` counts leaves that end at no known table (a table missing from the schema, an
unexpandable star). With --debug, each statement's columns and their source columns (and
each error) are listed on stderr after the timed run.

usage: sqlglot_lineage.py INPUT_JSON [--mode scope|naive|all] [--debug]
"""

import argparse
import inspect
import json
import logging
import sys
import time


def load_input(path):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    schema = {}
    for namespace, tables in (spec.get("schema") or {}).items():
        kept = {name: cols for name, cols in (tables or {}).items() if cols}
        if kept:
            schema[namespace] = kept
    return spec.get("dialect"), schema, list(spec.get("statements") or []), spec.get("seconds")


def query_of(statement, exp):
    """The query a statement defines: the SELECT (or set operation) of a CREATE VIEW, CREATE
    TABLE AS or INSERT ... SELECT, or the statement itself when it is a query."""
    if isinstance(statement, (exp.Create, exp.Insert)):
        query = statement.expression
    else:
        query = statement
    while isinstance(query, exp.Subquery):  # CREATE VIEW v AS (SELECT ...)
        query = query.this
    return query if isinstance(query, exp.Query) else None


def target_of(statement, exp):
    table = statement.this if isinstance(statement, (exp.Create, exp.Insert)) else None
    if isinstance(table, exp.Schema):  # CREATE VIEW v (a, b) AS ...
        table = table.this
    return table.sql() if isinstance(table, exp.Table) else ""


def last_part(name):
    """Column name of a leaf node's name ("o.order_id", '"o"."Order Id"')."""
    if name.endswith('"'):
        start = name.rfind('"', 0, len(name) - 1)
        return name[start + 1 : -1]
    return name.rsplit(".", 1)[-1]


def sources_of(node, exp):
    """Distinct (catalog, db, table, column) source columns at the leaves of a lineage tree,
    and how many leaves reach no known table."""
    found = set()
    unresolved = 0
    for n in node.walk():
        if n.downstream:
            continue
        expression = n.expression
        if isinstance(expression, exp.Table) and not n.name.endswith("*"):
            found.add((expression.catalog, expression.db, expression.name, last_part(n.name)))
        elif isinstance(expression, exp.Placeholder) or n.name.endswith("*"):
            unresolved += 1
        # any other leaf is an expression with no column under it (a literal, now(), ...)
    return found, unresolved


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("--mode", choices=["scope", "naive", "all"], default="scope")
    parser.add_argument("--debug", action="store_true", help="list each column's sources on stderr")
    args = parser.parse_args()

    if not args.debug:
        # sqlglot warns through logging (a statement it falls back to parsing as a Command, a
        # subquery lineage cannot place); those cases are counted, not printed, unless debugging
        logging.getLogger("sqlglot").setLevel(logging.ERROR)

    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import build_scope
    from sqlglot.schema import MappingSchema

    dialect, schema_dict, statements, budget = load_input(args.input)
    schema = MappingSchema(schema_dict, dialect=dialect)

    params = inspect.signature(lineage).parameters
    mode = args.mode
    if mode != "naive" and "scope" not in params:
        mode = "naive"  # an sqlglot too old to take a pre-built scope
    if mode == "all" and "on_node" not in params:
        mode = "scope"  # no all-columns mode before it
    fast = {"copy": False} if "copy" in params else {}
    if "trim_selects" in params:
        fast["trim_selects"] = False

    debug = [] if args.debug else None
    counts = {"statements": 0, "columns": 0, "leaves": 0, "errors": 0, "unresolved": 0}

    def record(index, target, column, node=None, error=None):
        if error is not None:
            counts["errors"] += 1
            if debug is not None:
                debug.append((index, target, column, None, f"{type(error).__name__}: {error}"))
            return
        found, unresolved = sources_of(node, exp)
        counts["columns"] += 1
        counts["leaves"] += len(found)
        counts["unresolved"] += unresolved
        if debug is not None:
            debug.append((index, target, column, sorted(found), unresolved))

    def per_column(index, target, query, names, scope):
        for name in names:
            try:
                if scope is None:
                    node = lineage(name, query, schema=schema, dialect=dialect)
                else:
                    node = lineage(name, query, schema=schema, dialect=dialect, scope=scope, **fast)
            except Exception as e:  # noqa: BLE001 - any failure is the peer's error, run goes on
                record(index, target, name, error=e)
                continue
            record(index, target, name, node)

    started = time.perf_counter()
    for index, sql in enumerate(statements):
        counts["statements"] += 1
        target = ""
        try:
            statement = sqlglot.parse_one(sql, dialect=dialect)
            target = target_of(statement, exp)
            query = query_of(statement, exp)
            if query is None:
                raise ValueError(f"no query in a {type(statement).__name__} statement")
        except Exception as e:  # noqa: BLE001
            record(index, target, None, error=e)
        else:
            if mode == "naive":
                names = query.named_selects
                if "*" in names or len(names) < len(query.selects):
                    # stars and unnamed projections only get their output names from qualify
                    try:
                        names = qualify(query.copy(), dialect=dialect, schema=schema,
                                        validate_qualify_columns=False, identify=False).named_selects
                    except Exception:  # noqa: BLE001 - lineage will report it per column
                        pass
                per_column(index, target, query, names, None)
            else:
                try:
                    # the same qualify() call lineage() makes on each call when no scope is given
                    qualified = qualify(query, dialect=dialect, schema=schema,
                                        validate_qualify_columns=False, identify=False)
                    scope = build_scope(qualified)
                    if scope is None:
                        raise ValueError("no scope for the query")
                    names = qualified.named_selects
                except Exception as e:  # noqa: BLE001 - every column of it fails the same way
                    for name in query.named_selects or [None]:
                        record(index, target, name, error=e)
                else:
                    nodes = None
                    if mode == "all":
                        try:
                            nodes = lineage(None, qualified, schema=schema, dialect=dialect,
                                            scope=scope, **fast)
                        except Exception:  # noqa: BLE001 - redone per column below
                            nodes = None
                    if nodes is not None:
                        for name in names:
                            node = nodes.get(name)
                            if node is None:
                                record(index, target, name, error=KeyError(name))
                            else:
                                record(index, target, name, node)
                    else:
                        per_column(index, target, qualified, names, scope)
        if budget and time.perf_counter() - started >= budget:
            break
    elapsed = time.perf_counter() - started

    result = {
        "statements": counts["statements"],
        "columns": counts["columns"],
        "leaves": counts["leaves"],
        "errors": counts["errors"],
        "seconds": round(elapsed, 6),
        "columns_per_second": round(counts["columns"] / elapsed, 3) if elapsed > 0 else 0.0,
        "sqlglot": sqlglot.__version__,
        "unresolved": counts["unresolved"],
        "mode": mode,
    }

    if debug is not None:
        last = None
        for index, target, column, found, extra in debug:
            if index != last:
                print(f"[{index}] {target or '(statement)'}", file=sys.stderr)
                last = index
            if found is None:
                print(f"    {column}: ERROR {extra}", file=sys.stderr)
            else:
                cols = ", ".join(".".join(p for p in f if p) for f in found) or "(no source column)"
                more = f"  [+{extra} unresolved]" if extra else ""
                print(f"    {column} <- {cols}{more}", file=sys.stderr)

    print(json.dumps(result))


if __name__ == "__main__":
    main()
