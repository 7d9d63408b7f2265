//! `seldon-local down`: remove deployments by label. Idempotent.

use anyhow::Result;

use super::args::DownArgs;
use super::docker::{block_on, connect};
use super::pipeline::read_input;
use super::{Context, ExitStatus};
use crate::runtime::docker::Selector;
use crate::sdep;

pub(crate) fn run(args: &DownArgs, ctx: &Context) -> Result<ExitStatus> {
    let selectors: Vec<Selector> = if let Some(file) = &args.file {
        let (text, source) = read_input(file)?;
        sdep::load(&text, &source)?
            .documents
            .into_iter()
            .map(|d| Selector::Deployment(d.sdep.name().to_owned()))
            .collect()
    } else {
        vec![
            args.name
                .clone()
                .map_or(Selector::All, Selector::Deployment),
        ]
    };
    let mut embedded = Vec::new();
    for selector in &selectors {
        let name = match selector {
            Selector::Deployment(name) => Some(name.as_str()),
            _ => None,
        };
        embedded.extend(super::embedded::down(name, ctx)?);
    }
    if !super::docker::daemon_answers() {
        if embedded.is_empty() {
            ctx.printer.status(
                "nothing",
                "to remove (no embedded deployment; no Docker daemon answers)",
            );
        }
        return Ok(ExitStatus::Success);
    }
    block_on(async {
        let runtime = connect(ctx).await?;
        for selector in &selectors {
            let removed = runtime.down(selector).await?;
            if removed.containers + removed.networks + removed.volumes == 0 {
                if !embedded.is_empty() {
                    continue;
                }
                let what = match selector {
                    Selector::Deployment(name) => format!("for `{name}`"),
                    _ => "at all".to_owned(),
                };
                ctx.printer.status("nothing", format!("to remove {what}"));
                continue;
            }
            ctx.printer.status(
                "removed",
                format!(
                    "{}: {} containers, {} networks, {} volumes",
                    removed
                        .deployments
                        .iter()
                        .map(|d| format!("`{d}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    removed.containers,
                    removed.networks,
                    removed.volumes
                ),
            );
        }
        Ok(ExitStatus::Success)
    })
}
