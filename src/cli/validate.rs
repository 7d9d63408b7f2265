//! `seldon-local validate`: the webhook's verdict on each SeldonDeployment.

use anyhow::Result;

use super::args::ValidateArgs;
use super::pipeline::check;
use super::{Context, ExitStatus};

pub(crate) fn run(args: &ValidateArgs, ctx: &Context) -> Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    for checked in check(&args.sdep, ctx)? {
        match checked.verdict {
            Ok(validated) => {
                let predictors = validated.sdep().spec.predictors.len();
                ctx.printer.data(&format!(
                    "{}: `{}` is valid ({predictors} predictor{}, Seldon Core {})",
                    checked.origin,
                    checked.name,
                    if predictors == 1 { "" } else { "s" },
                    validated.config().version,
                ));
            }
            Err(violations) => {
                ctx.printer
                    .error(format!("{}: {violations}", checked.origin));
                status = ExitStatus::Failure;
            }
        }
    }
    Ok(status)
}
