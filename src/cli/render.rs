//! `seldon-local render`: the Kubernetes objects the operator would create.

use anyhow::{Context as _, Result};
use serde::Serialize;

use super::args::{Format, RenderArgs, Show};
use super::pipeline::check;
use super::{Context, ExitStatus};
use crate::plan;

pub(crate) fn run(args: &RenderArgs, ctx: &Context) -> Result<ExitStatus> {
    let mut documents: Vec<serde_json::Value> = Vec::new();
    let mut status = ExitStatus::Success;
    for checked in check(&args.sdep, ctx)? {
        let validated = match checked.verdict {
            Ok(validated) => validated,
            Err(violations) => {
                ctx.printer
                    .error(format!("{}: {violations}", checked.origin));
                status = ExitStatus::Failure;
                continue;
            }
        };
        match args.show {
            Show::Defaulted => documents.push(to_value(validated.sdep())?),
            Show::Plan => documents.push(to_value(&plan::build(&validated)?)?),
            Show::Objects => {
                let built = plan::build(&validated)
                    .with_context(|| format!("failed to plan `{}`", checked.name))?;
                for object in &built.objects {
                    documents.push(to_value(object)?);
                }
            }
        }
    }
    if status == ExitStatus::Success {
        ctx.printer
            .data(&format_documents(&documents, args.output)?);
    }
    Ok(status)
}

fn to_value(value: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).context("failed to serialise the output")
}

/// YAML documents separated by `---`, or JSON (a `v1` List when there are several).
fn format_documents(documents: &[serde_json::Value], format: Format) -> Result<String> {
    match format {
        Format::Json => {
            let value = match documents {
                [one] => one.clone(),
                many => serde_json::json!({"apiVersion": "v1", "kind": "List", "items": many}),
            };
            Ok(serde_json::to_string_pretty(&value)?)
        }
        Format::Yaml => {
            let mut out = String::new();
            for document in documents {
                out.push_str("---\n");
                out.push_str(&crate::sdep::to_yaml(document)?);
            }
            Ok(out)
        }
    }
}
