//! `seldon-local completions SHELL`: completion scripts and the man page, generated from the
//! same clap definition as `--help` (checked-in copies live in `completions/`).

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use super::args::{Cli, CompletionTarget, CompletionsArgs};
use super::{Context, ExitStatus};

pub(crate) fn run(args: &CompletionsArgs, ctx: &Context) -> Result<ExitStatus> {
    ctx.printer.data(&generate(args.shell)?);
    Ok(ExitStatus::Success)
}

/// The text of a completion script or of the man page.
pub(crate) fn generate(target: CompletionTarget) -> Result<String> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    let shell = match target {
        CompletionTarget::Bash => Shell::Bash,
        CompletionTarget::Zsh => Shell::Zsh,
        CompletionTarget::Fish => Shell::Fish,
        CompletionTarget::Powershell => Shell::PowerShell,
        CompletionTarget::Elvish => Shell::Elvish,
        CompletionTarget::Man => {
            clap_mangen::Man::new(command).render(&mut out)?;
            return Ok(String::from_utf8(out)?);
        }
    };
    clap_complete::generate(shell, &mut command, "seldon-local", &mut out);
    Ok(String::from_utf8(out)?)
}
