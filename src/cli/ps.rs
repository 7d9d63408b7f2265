//! `seldon-local ps`: the containers of running deployments, found by label.

use anyhow::Result;

use super::args::{PsArgs, TableFormat};
use super::docker::{block_on, connect};
use super::up::render_rows;
use super::{Context, ExitStatus};
use crate::runtime::docker::Selector;

pub(crate) fn run(args: &PsArgs, ctx: &Context) -> Result<ExitStatus> {
    let selector = args
        .name
        .clone()
        .map_or(Selector::All, Selector::Deployment);
    let mut rows = super::embedded::ps_rows(args.name.as_deref())?;
    // Without a daemon there is nothing of Docker's to list; that is not an error.
    if super::docker::daemon_answers() {
        rows.extend(block_on(async {
            let runtime = connect(ctx).await?;
            Ok(runtime.ps(&selector).await?)
        })?);
    }
    match args.output {
        TableFormat::Json => ctx.printer.data(&serde_json::to_string_pretty(&rows)?),
        TableFormat::Table => {
            if rows.is_empty() {
                ctx.printer.status("nothing", "is running");
                return Ok(ExitStatus::Success);
            }
            let mut table = vec![[
                "DEPLOYMENT".to_owned(),
                "POD".to_owned(),
                "CONTAINER".to_owned(),
                "ROLE".to_owned(),
                "STATE".to_owned(),
                "HEALTH".to_owned(),
                "PORTS".to_owned(),
            ]];
            for row in rows {
                let ports: Vec<String> = row
                    .ports
                    .iter()
                    .map(|(port, host)| format!("127.0.0.1:{host}->{port}"))
                    .collect();
                table.push([
                    row.deployment,
                    row.pod,
                    row.container,
                    row.role,
                    if row.status.is_empty() {
                        row.state
                    } else {
                        format!("{} ({})", row.state, row.status)
                    },
                    row.health,
                    ports.join(", "),
                ]);
            }
            ctx.printer.data(&render_rows(&table));
        }
    }
    Ok(ExitStatus::Success)
}
