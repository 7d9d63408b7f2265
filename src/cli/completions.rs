//! `seldon-local completions SHELL`: completion scripts and the man page, generated from the
//! same clap definition as `--help` (checked-in copies live in `completions/`).

use anyhow::{Result, bail};
use clap::CommandFactory;
use clap_complete::Shell;

use super::args::{Cli, CompletionTarget, CompletionsArgs};
use super::{Context, ExitStatus};

pub(crate) fn run(args: &CompletionsArgs, ctx: &Context) -> Result<ExitStatus> {
    let text = match (&args.subcommand, args.shell) {
        (None, shell) => generate(shell)?,
        (Some(name), CompletionTarget::Man) => man_page_of(name)?,
        (Some(_), _) => bail!("a SUBCOMMAND is only taken with `man`"),
    };
    ctx.printer.data(&text);
    Ok(ExitStatus::Success)
}

/// The names of the subcommands that have a page of their own (the visible ones).
pub(crate) fn man_subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect()
}

/// The man page of one subcommand, titled `seldon-local-<name>`.
fn man_page_of(name: &str) -> Result<String> {
    let mut command = Cli::command();
    // Global options are copied into the subcommands only when the command is built.
    command.build();
    let Some(sub) = command.find_subcommand(name).filter(|c| !c.is_hide_set()) else {
        bail!(
            "no subcommand `{name}`; pages exist for {}",
            man_subcommands().join(", ")
        );
    };
    let sub = sub.clone().name(format!("seldon-local-{name}"));
    let mut out = Vec::new();
    clap_mangen::Man::new(sub).render(&mut out)?;
    Ok(String::from_utf8(out)?)
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
