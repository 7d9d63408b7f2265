//! `seldon-local down`: remove a deployment wherever it runs (Docker resources by label, an
//! embedded deployment's process and state). Idempotent; a bare `down` needs `--all`.

use anyhow::Result;

use super::args::DownArgs;
use super::deployments::{self, Runtime};
use super::docker::{block_on, connect};
use super::pipeline::read_input;
use super::{Context, ExitStatus};
use crate::runtime::docker::Selector;
use crate::sdep;

pub(crate) fn run(args: &DownArgs, ctx: &Context) -> Result<ExitStatus> {
    if args.all {
        let embedded = super::embedded::down(None, ctx)?;
        let mut removed = !embedded.is_empty();
        if super::docker::daemon_answers() {
            removed |= docker_down(&Selector::All, ctx)?;
        }
        if !removed {
            ctx.printer.status("nothing", "to remove");
        }
        return Ok(ExitStatus::Success);
    }
    let names: Vec<String> = if let Some(file) = &args.file {
        let (text, source) = read_input(file)?;
        sdep::load(&text, &source)?
            .documents
            .into_iter()
            .map(|d| d.sdep.name().to_owned())
            .collect()
    } else {
        args.name.iter().cloned().collect()
    };
    for name in &names {
        let found = deployments::named(name)?;
        if found.is_empty() {
            let running: Vec<String> = deployments::all()?
                .into_iter()
                .filter(|d| !d.stale)
                .map(|d| d.to_string())
                .collect();
            let listed = if running.is_empty() {
                String::new()
            } else {
                format!("; running: {}", running.join(", "))
            };
            ctx.printer
                .status("nothing", format!("to remove for `{name}`{listed}"));
            continue;
        }
        for deployment in found {
            match deployment.runtime {
                Runtime::Embedded => {
                    super::embedded::down(Some(name), ctx)?;
                }
                Runtime::Docker => {
                    docker_down(&Selector::Deployment(name.clone()), ctx)?;
                }
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// Removes what the selector matches on Docker; whether anything was there.
pub(crate) fn docker_down(selector: &Selector, ctx: &Context) -> Result<bool> {
    block_on(async {
        let runtime = connect(ctx).await?;
        let removed = runtime.down(selector).await?;
        if removed.containers + removed.networks + removed.volumes == 0 {
            return Ok(false);
        }
        ctx.printer.status(
            "removed",
            format!(
                "{} (docker): {}, {}, {}",
                removed
                    .deployments
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                count(removed.containers, "container"),
                count(removed.networks, "network"),
                count(removed.volumes, "volume"),
            ),
        );
        Ok(true)
    })
}

/// `1 network`, `2 networks`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(super::count(1, "network"), "1 network");
        assert_eq!(super::count(0, "volume"), "0 volumes");
        assert_eq!(super::count(3, "container"), "3 containers");
    }
}
