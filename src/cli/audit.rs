//! `almanac audit verify|log`: check the audit chain (against anchors kept elsewhere) and read it.

use super::{esc, Context, Format};
use almanac::audit::{Action, AuditFilter};
use anyhow::Context as _;
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Check the hash chain from the first entry to the last; exits with status 1 and names
    /// the first entry that does not hold.
    Verify {
        /// An entry id and the hash it had, as printed by an earlier verify and kept outside
        /// the store (repeatable): `--anchor 1042:3f9a...`.
        #[arg(long, value_parser = parse_anchor)]
        anchor: Vec<(i64, String)>,
    },
    /// Print entries, newest first.
    Log {
        #[arg(long, default_value_t = 20)]
        limit: u64,
        /// Only this action, e.g. description.set.
        #[arg(long)]
        action: Option<String>,
        /// Only this actor (subject).
        #[arg(long)]
        subject: Option<String>,
        /// Output: text for people (source text escaped), json for programs (exact).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn parse_anchor(text: &str) -> Result<(i64, String), String> {
    let (id, hash) = text.split_once(':').ok_or("an anchor is ID:HASH")?;
    let id = id.trim().parse().map_err(|_| format!("`{id}` is not an entry id"))?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the hash of an anchor is 64 hexadecimal digits".into());
    }
    Ok((id, hash.to_ascii_lowercase()))
}

pub(crate) async fn run(ctx: &Context, command: AuditCommand) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    match command {
        AuditCommand::Verify { anchor } => {
            let v = almanac::audit::verify_anchored(state.catalog.connection(), &anchor).await?;
            match v.broken {
                None => {
                    out!("audit log intact: {} entries, head {}", v.entries, v.head);
                    if let Some(id) = v.head_id {
                        out!("anchor for later checks: --anchor {id}:{}", v.head);
                    }
                    Ok(())
                }
                Some((id, why)) => {
                    out!("audit log BROKEN at entry {id}: {why}");
                    out!("entries before it hold; the last good hash is {}", v.head);
                    std::process::exit(1);
                }
            }
        }
        AuditCommand::Log { limit, action, subject, format } => {
            let action = match action {
                Some(a) => Some(
                    Action::parse(&a)
                        .with_context(|| format!("unknown action `{a}` (one of {})", Action::ALL.map(Action::as_str).join(", ")))?,
                ),
                None => None,
            };
            let filter = AuditFilter { action, subject, ..Default::default() };
            let entries = almanac::audit::entries(state.catalog.connection(), &filter, None, limit).await?;
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&entries)?),
                Format::Text => {
                    for e in &entries {
                        out!("{:>6}  {}  {:<24} {:<22} {}", e.id, e.at, esc(&e.actor.subject), esc(&e.action), esc(&e.targets.join(",")));
                    }
                }
            }
            Ok(())
        }
    }
}
