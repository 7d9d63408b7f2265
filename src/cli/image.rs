//! `seldon-local image build`: seldon-local's own image, from the running binary.

use anyhow::Result;

use super::args::ImageBuildArgs;
use super::docker::{block_on, connect};
use super::{Context, ExitStatus};

pub(crate) fn run(args: &ImageBuildArgs, ctx: &Context) -> Result<ExitStatus> {
    block_on(async {
        let runtime = connect(ctx).await?;
        let (tag, built) = runtime.ensure_image(args.force).await?;
        if !built {
            ctx.printer
                .status("up to date", format!("`{tag}` holds this binary"));
        }
        ctx.printer.data(&tag);
        Ok(ExitStatus::Success)
    })
}
