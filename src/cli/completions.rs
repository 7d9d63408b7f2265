//! `seldon-local completions SHELL`: completion scripts and the man page, generated from the
//! same clap definition as `--help` (checked-in copies live in `completions/`).
//!
//! The scripts are small: on TAB the shell runs `seldon-local` itself with
//! `SELDON_LOCAL_COMPLETE=<shell>` (clap_complete's dynamic engine), which answers with the
//! subcommands, flags and values that fit, and the names of running deployments. Hidden
//! subcommands and flags are never offered. The script's function name has no hyphen, so the
//! program name `seldon-local` does not trip bash.

use anyhow::{Result, bail};
use clap::CommandFactory;
use clap_complete::CompletionCandidate;
use clap_complete::env::EnvCompleter;

use super::args::{Cli, CompletionTarget, CompletionsArgs};
use super::{Context, ExitStatus};
use crate::env;

pub(crate) fn run(args: &CompletionsArgs, ctx: &Context) -> Result<ExitStatus> {
    let text = match (&args.subcommand, args.shell) {
        (None, shell) => generate(shell)?,
        (Some(name), CompletionTarget::Man) => man_page_of(name)?,
        (Some(_), _) => bail!("a SUBCOMMAND is only taken with `man`"),
    };
    ctx.printer.data(&text);
    Ok(ExitStatus::Success)
}

/// Answers a completion request when the shell's script asked for one (the variable is set):
/// `Some(success)` then, `None` for a normal run.
pub(crate) fn answer_if_asked() -> Option<bool> {
    std::env::var_os(env::SELDON_LOCAL_COMPLETE)?;
    let shells = clap_complete::env::Shells(&[
        &Bash,
        &clap_complete::env::Elvish,
        &clap_complete::env::Fish,
        &clap_complete::env::Powershell,
        &clap_complete::env::Zsh,
    ]);
    let result = clap_complete::CompleteEnv::with_factory(visible_command)
        .var(env::SELDON_LOCAL_COMPLETE)
        .shells(shells)
        .try_complete(std::env::args_os(), std::env::current_dir().ok().as_deref());
    Some(result.is_ok())
}

/// clap's bash completer, but on an empty word only values and subcommands are offered when
/// there are any (as kubectl does): `down <TAB>` lists the running deployments, `down -<TAB>`
/// the flags.
struct Bash;

impl EnvCompleter for Bash {
    fn name(&self) -> &'static str {
        clap_complete::env::Bash.name()
    }

    fn is(&self, name: &str) -> bool {
        clap_complete::env::Bash.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        clap_complete::env::Bash.write_registration(var, name, bin, completer, buf)
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let index: usize = std::env::var("_CLAP_COMPLETE_INDEX")
            .ok()
            .and_then(|i| i.parse().ok())
            .unwrap_or_default();
        let ifs = std::env::var("_CLAP_IFS").unwrap_or_else(|_| "\n".to_owned());
        let empty_word = args.get(index).is_none_or(|w| w.is_empty());
        let mut values: Vec<String> =
            clap_complete::engine::complete(cmd, args, index, current_dir)?
                .iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect();
        if empty_word && values.iter().any(|v| !v.starts_with('-')) {
            values.retain(|v| !v.starts_with('-'));
        }
        write!(buf, "{}", values.join(&ifs))
    }
}

/// The command line as completion sees it: hidden subcommands and flags left out entirely, so
/// that no prefix can reach them.
fn visible_command() -> clap::Command {
    visible(&Cli::command())
}

fn visible(command: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(command.get_name().to_owned())
        .about(command.get_about().cloned().unwrap_or_default())
        .disable_help_subcommand(true)
        .version(command.get_version().unwrap_or_default().to_owned())
        .args(
            command
                .get_arguments()
                .filter(|a| !a.is_hide_set())
                .cloned(),
        );
    for group in command.get_groups() {
        out = out.group(group.clone());
    }
    out.subcommands(
        command
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(visible),
    )
}

/// The names of the deployments that run, for `NAME` arguments.
pub(crate) fn running_names() -> Vec<CompletionCandidate> {
    super::deployments::names_for_completion()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
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
    let mut out = Vec::new();
    let shell: &dyn EnvCompleter = match target {
        CompletionTarget::Bash => &clap_complete::env::Bash,
        CompletionTarget::Zsh => &clap_complete::env::Zsh,
        CompletionTarget::Fish => &clap_complete::env::Fish,
        CompletionTarget::Powershell => &clap_complete::env::Powershell,
        CompletionTarget::Elvish => &clap_complete::env::Elvish,
        CompletionTarget::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            return Ok(String::from_utf8(out)?);
        }
    };
    // The script calls whichever `seldon-local` is on the PATH, so it never goes stale.
    shell.write_registration(
        env::SELDON_LOCAL_COMPLETE,
        "seldon-local",
        "seldon-local",
        "seldon-local",
        &mut out,
    )?;
    Ok(String::from_utf8(out)?)
}
