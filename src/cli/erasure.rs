//! `almanac erasure create|plan|approve|execute|verify|report|list|extend|cancel|reject|show`: a data subject's erasure
//! request from receipt to a verified, reported completion, in the local mode (the requester and approver are named on the command line,
//! the operating-system user by default; through GraphQL they will come from tokens).

use super::{esc, Context, Format};
use almanac::audit::Actor;
use almanac::privacy::erasure::policy::{self, Ground, Hold, Policy, PolicyAction, StoredPolicy, Strategy};
use almanac::privacy::erasure::{access, execute, request, ErasurePlan, RequestKind, RequestStatus, SubjectIdentifier};
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum ErasureCommand {
    /// Receive a request: `--subject email=a@b.org` (repeatable; also phone=, national_id=,
    /// or source.namespace.dataset.column=). Prints the request's id and due date.
    Create {
        #[arg(long = "subject", required = true)]
        subjects: Vec<String>,
        /// Who received the request (default: the operating-system user).
        #[arg(long)]
        requester: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Plan the request over the live sources (a dry run that changes nothing there), store
    /// the plan and print it with the hash an approval names.
    Plan {
        id: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Approve the plan with the hash printed by `plan`; refused for the request's creator.
    Approve {
        id: i64,
        #[arg(long)]
        plan_hash: String,
        /// Who approves (default: the operating-system user).
        #[arg(long)]
        approver: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Carry out the approved plan, one transaction per source, then verify; run it again
    /// to resume a run that stopped.
    Execute {
        id: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Reclaim, on the sources a finished request changed, the space its deleted rows still
    /// hold (SQLite VACUUM, PostgreSQL VACUUM or with --full VACUUM FULL, MariaDB/MySQL
    /// OPTIMIZE TABLE); the report records what ran.
    Compact {
        id: i64,
        /// PostgreSQL: VACUUM FULL (rewrites the tables; takes an exclusive lock meanwhile).
        #[arg(long)]
        full: bool,
    },
    /// Look again on the sources for what the plan removed; close the request when nothing is
    /// left.
    Verify {
        id: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// The completion report: JSON for programs, HTML for a regulator.
    Report {
        id: i64,
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
    },
    /// Open requests, soonest due first; `--due-within 7` shows those due within a week
    /// (overdue ones included).
    List {
        #[arg(long)]
        due_within: Option<u32>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Extend the due date by two months (once), recording why.
    Extend {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Close a request as withdrawn by the subject, recording why.
    Cancel {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Close a request as manifestly unfounded or excessive (Art. 12(5)), recording why.
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// A request's state and stored plan.
    Show {
        id: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Erasure policies: delete, anonymize or retain a subject's rows, per dataset, source or
    /// globally (`*`).
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Subcommand)]
pub(crate) enum PolicyCommand {
    /// Set the policy of SCOPE (`*`, a source, or source.namespace.dataset) as a new version.
    Set {
        scope: String,
        /// delete, anonymize or retain.
        #[arg(long)]
        action: String,
        /// For anonymize, in a dataset's policy: COLUMN=null|fake|hash|fixed:VALUE|keep:REASON
        /// (repeatable); other personal columns get a strategy from the live schema.
        #[arg(long = "column")]
        columns: Vec<String>,
        /// For retain: the Art. 17(3) ground (legal_obligation or b, legal_claims or e, ...).
        #[arg(long)]
        ground: Option<String>,
        /// For retain: the law that requires keeping the rows.
        #[arg(long)]
        statute: Option<String>,
        /// For retain: the last day the rows are kept (YYYY-MM-DD).
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Remove the policy of SCOPE (a new version that sets none).
    Remove { scope: String },
    /// The policies in force.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Every version of SCOPE's policy.
    History {
        scope: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// `almanac access export`: a data subject's copy of their data (GDPR Art. 15).
#[derive(Subcommand)]
pub(crate) enum AccessCommand {
    /// Receive an access request: its identifiers sealed, due a month later (listed by
    /// `erasure list`). Prints its id and due date.
    Create {
        #[arg(long = "subject", required = true)]
        subjects: Vec<String>,
        /// Who received the request (default: the operating-system user).
        #[arg(long)]
        requester: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Export the subject's rows from every scanned database, as JSON grouped by dataset with
    /// the personal-data categories of each column and the downstream recipients (audited as
    /// a listing of personal data): for the subject given, or for a stored request
    /// (`--request ID`), which is then completed and its identifiers dropped.
    Export {
        #[arg(long = "subject", required_unless_present = "request", conflicts_with = "request")]
        subjects: Vec<String>,
        #[arg(long)]
        request: Option<i64>,
        /// JSON only: the export is for the subject, not for reading on a terminal.
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    Json,
}

pub(crate) async fn run_access(ctx: &Context, command: AccessCommand) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let now = chrono::Utc::now();
    match command {
        AccessCommand::Create { subjects, requester, format } => {
            receive(&state, RequestKind::Access, &subjects, requester, format).await?;
        }
        AccessCommand::Export { subjects, request: Some(id), format: ExportFormat::Json } if subjects.is_empty() => {
            let export = access::fulfil(&state.catalog, &state.config, id, now).await?;
            out!("{}", serde_json::to_string_pretty(&export)?);
        }
        AccessCommand::Export { subjects, format: ExportFormat::Json, .. } => {
            let subjects = subjects.iter().map(|s| SubjectIdentifier::parse(s)).collect::<Result<Vec<_>, _>>()?;
            let export = access::export(&state.catalog, &state.config, &subjects).await?;
            out!("{}", serde_json::to_string_pretty(&export)?);
        }
    }
    Ok(())
}

/// Receives a request of `kind` for the subject named by `subjects` and prints its id and due
/// date.
async fn receive(
    state: &almanac::app::AppState,
    kind: RequestKind,
    subjects: &[String],
    requester: Option<String>,
    format: Format,
) -> anyhow::Result<()> {
    let subjects = subjects.iter().map(|s| SubjectIdentifier::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let requester = requester.unwrap_or_else(|| Actor::local().subject);
    let r = request::create(&state.catalog, &state.config, kind, &subjects, &requester, chrono::Utc::now()).await?;
    match format {
        Format::Json => out!("{}", serde_json::json!({ "id": r.id, "due": r.due_at.to_rfc3339(), "status": r.status })),
        Format::Text => out!("{} request {} received; due {}", kind.as_str(), r.id, r.due_at.format("%Y-%m-%d")),
    }
    Ok(())
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    Json,
    Html,
}

pub(crate) async fn run(ctx: &Context, command: ErasureCommand) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let now = chrono::Utc::now();
    match command {
        ErasureCommand::Create { subjects, requester, format } => {
            receive(&state, RequestKind::Erasure, &subjects, requester, format).await?;
        }
        ErasureCommand::Plan { id, format } => {
            let plan = request::plan(&state.catalog, &state.config, id, now).await?;
            print_plan(&plan, format)?;
        }
        ErasureCommand::Approve { id, plan_hash, approver, format } => {
            let approver = approver.unwrap_or_else(|| Actor::local().subject);
            let r = request::approve(&state.catalog, id, &plan_hash, &approver, now).await?;
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&r)?),
                Format::Text => out!("request {} approved by {}", r.id, esc(&approver)),
            }
        }
        ErasureCommand::Execute { id, format } | ErasureCommand::Verify { id, format } => {
            let r = match command {
                ErasureCommand::Execute { .. } => execute::execute(&state.catalog, &state.config, id, now).await?,
                _ => execute::verify(&state.catalog, &state.config, id, now).await?,
            };
            let report = execute::report(&state.catalog, id).await?;
            match format {
                Format::Json => {
                    out!("{}", serde_json::to_string_pretty(&serde_json::json!({ "request": r, "verification": report["verification"] }))?)
                }
                Format::Text => {
                    out!("request {} {}", r.id, r.status.as_str());
                    for v in report["verification"].as_array().into_iter().flatten() {
                        out!(
                            "  {} {}: {} rows left",
                            v["action"].as_str().unwrap_or(""),
                            esc(v["dataset"].as_str().unwrap_or("")),
                            v["remaining"]
                        );
                    }
                }
            }
        }
        ErasureCommand::Compact { id, full } => {
            for c in execute::compact(&state.catalog, &state.config, id, full, now).await? {
                out!("{}: {}", esc(&c.source), esc(&c.statements.join("; ")));
            }
        }
        ErasureCommand::Report { id, format } => {
            let report = execute::report(&state.catalog, id).await?;
            match format {
                ReportFormat::Json => out!("{}", serde_json::to_string_pretty(&report)?),
                ReportFormat::Html => out!("{}", execute::report_html(&report)),
            }
        }
        ErasureCommand::List { due_within, format } => {
            let within = due_within.map(|d| chrono::Duration::days(i64::from(d)));
            let open = request::open_requests(&state.catalog, within, now).await?;
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&open)?),
                Format::Text => {
                    for r in &open {
                        let late = if r.due_at < now { "  OVERDUE" } else { "" };
                        out!(
                            "{:>6}  {:<8} {:<20} due {}{}  by {}",
                            r.id,
                            r.kind.as_str(),
                            r.status.as_str(),
                            r.due_at.format("%Y-%m-%d"),
                            late,
                            esc(&r.requester)
                        );
                    }
                }
            }
        }
        ErasureCommand::Extend { id, reason } => {
            let r = request::extend(&state.catalog, id, &reason, now).await?;
            out!("request {} now due {}", r.id, r.due_at.format("%Y-%m-%d"));
        }
        ErasureCommand::Cancel { id, reason } => {
            let r = request::close(&state.catalog, id, RequestStatus::Cancelled, &reason, now).await?;
            out!("request {} {}", r.id, r.status.as_str());
        }
        ErasureCommand::Reject { id, reason } => {
            let r = request::close(&state.catalog, id, RequestStatus::Rejected, &reason, now).await?;
            out!("request {} {}", r.id, r.status.as_str());
        }
        ErasureCommand::Policy { command } => run_policy(&state, command, now).await?,
        ErasureCommand::Show { id, format } => {
            let r = request::get(&state.catalog, id).await?;
            let plan = request::stored_plan(&state.catalog, id).await?;
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&serde_json::json!({ "request": r, "plan": plan }))?),
                Format::Text => {
                    out!(
                        "request {} ({}) {}; received {} by {}; due {}",
                        r.id,
                        r.kind.as_str(),
                        r.status.as_str(),
                        r.received_at.format("%Y-%m-%d"),
                        esc(&r.requester),
                        r.due_at.format("%Y-%m-%d")
                    );
                    if let Some(by) = &r.approved_by {
                        out!("approved by {}", esc(by));
                    }
                    if let Some(why) = &r.extension_reason {
                        out!("extended: {}", esc(why));
                    }
                    if let Some(why) = &r.closing_reason {
                        out!("closed: {}", esc(why));
                    }
                    if let Some(plan) = plan {
                        print_plan(&plan, Format::Text)?;
                    }
                }
            }
        }
    }
    Ok(())
}

async fn run_policy(state: &almanac::app::AppState, command: PolicyCommand, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    let show = |p: &StoredPolicy| {
        let what = match &p.policy {
            None => "removed".to_string(),
            Some(policy) => serde_json::to_string(policy).unwrap_or_default(),
        };
        format!("{}  v{}  {}  by {} at {}", esc(&p.scope), p.version, esc(&what), esc(&p.author), p.created_at.format("%Y-%m-%d %H:%M"))
    };
    match command {
        PolicyCommand::Set { scope, action, columns, ground, statute, until, reason, format } => {
            let action = PolicyAction::parse(action.trim()).ok_or_else(|| anyhow::anyhow!("--action is delete, anonymize or retain"))?;
            let mut strategies = std::collections::BTreeMap::new();
            for c in &columns {
                let (column, strategy) = c.split_once('=').ok_or_else(|| anyhow::anyhow!("--column is COLUMN=STRATEGY"))?;
                let strategy = Strategy::parse(strategy)
                    .ok_or_else(|| anyhow::anyhow!("the strategy for `{}` is null, fake, hash, fixed:VALUE or keep:REASON", esc(column)))?;
                strategies.insert(column.to_string(), strategy);
            }
            let hold = match (ground, statute, until) {
                (None, None, None) => None,
                (Some(g), Some(statute), Some(until)) => Some(Hold {
                    ground: Ground::parse(&g)
                        .ok_or_else(|| anyhow::anyhow!("unknown ground `{}`: an Art. 17(3) point (a to e) or its name", esc(&g)))?,
                    statute,
                    until,
                }),
                _ => anyhow::bail!("a hold needs --ground, --statute and --until together"),
            };
            let stored = policy::set(&state.catalog, &scope, Some(Policy { action, columns: strategies, hold, reason }), now).await?;
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&stored)?),
                Format::Text => out!("{}", show(&stored)),
            }
        }
        PolicyCommand::Remove { scope } => {
            let stored = policy::set(&state.catalog, &scope, None, now).await?;
            out!("{}", show(&stored));
        }
        PolicyCommand::List { format } => {
            let all: Vec<StoredPolicy> = policy::in_force(state.catalog.connection()).await?.into_values().collect();
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&all)?),
                Format::Text => {
                    if all.is_empty() {
                        out!("no policies: every subject's rows are deleted");
                    }
                    for p in &all {
                        out!("{}", show(p));
                    }
                }
            }
        }
        PolicyCommand::History { scope, format } => {
            let all = policy::history(&state.catalog, &scope).await?;
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&all)?),
                Format::Text => {
                    for p in &all {
                        out!("{}", show(p));
                    }
                }
            }
        }
    }
    Ok(())
}

fn print_plan(plan: &ErasurePlan, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => out!("{}", serde_json::to_string_pretty(plan)?),
        Format::Text => {
            out!("plan of request {}: {} steps, {} manual tasks", plan.request, plan.steps.len(), plan.manual_tasks.len());
            for s in &plan.steps {
                let suggested = if s.uses_suggested_keys { "  (through suggested identity keys)" } else { "" };
                out!("{:>3}. {} {} rows of {}{}  [{}]", s.order, s.action, s.rows, esc(&s.dataset), suggested, esc(&s.policy));
                for a in &s.anonymize {
                    out!("       {}: {} ({})", esc(&a.column), esc(&serde_json::to_string(&a.with)?), a.effect);
                }
                if let Some(h) = &s.hold {
                    out!("       held: {} ({}) until {}", h.ground.article(), esc(&h.statute), h.until);
                }
                for st in &s.statements {
                    let runs = st.runs.as_deref().map(|r| format!("  -- {r}")).unwrap_or_default();
                    out!("       {}  [{}]{}", esc(&st.sql), esc(&st.parameters.join(", ")), esc(&runs));
                }
            }
            for c in plan.coverage.iter().filter(|c| !c.handled) {
                out!("  NOT HANDLED: {}.{}: {}", esc(&c.dataset), esc(&c.column), esc(&c.handling));
            }
            for w in &plan.warnings {
                out!("  warning: {}", esc(w));
            }
            for t in &plan.manual_tasks {
                out!("  manual: {}: {}", esc(&t.source), esc(&t.reason));
            }
            for n in &plan.not_followed {
                out!("  not followed: {}", esc(n));
            }
            out!("plan hash {}", plan.plan_hash);
        }
    }
    Ok(())
}
