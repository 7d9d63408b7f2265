//! The command line: parses arguments, reads the environment and the filesystem, runs the
//! pipeline and maps errors to exit codes. The only layer that uses `anyhow`.
#![allow(clippy::disallowed_methods)] // the environment is read here and nowhere else

mod args;
mod completions;
mod component;
mod component_pause;
mod component_storage;
mod component_tfserving;
mod component_triton;
mod deployments;
mod docker;
mod down;
mod embedded;
mod image;
mod ingress;
mod launch;
mod lock;
mod logs;
mod pipeline;
mod predict;
mod prepare;
mod ps;
mod render;
mod requests;
mod signals;
mod supervisor;
mod target;
mod up;
mod validate;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use crate::env;
use crate::output::{Printer, Verbosity, render_error};
use args::{Cli, ColorChoice, Command, ImageCommand};

/// What a finished command reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Everything worked.
    Success,
    /// The input was rejected (invalid resource, violations, prediction refused).
    Failure,
    /// Stopped by a signal, after cleaning up: 130 (SIGINT) or 143 (SIGTERM).
    Signal(u8),
}

/// Settings every command receives.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) printer: Printer,
}

/// Parses the command line, runs the command and returns the exit code.
pub(crate) fn main() -> ExitCode {
    if let Some(ok) = completions::answer_if_asked() {
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    let cli = match command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    configure_colours(cli.global.color);
    let verbosity = if cli.global.quiet {
        Verbosity::Quiet
    } else if cli.global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let ctx = Context {
        printer: Printer::new(verbosity, !cli.global.no_progress),
    };
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args, &ctx),
        Command::Render(args) => render::run(&args, &ctx),
        Command::Completions(args) => completions::run(&args, &ctx),
        Command::Predict(args) => predict::run(&args, &ctx),
        Command::Feedback(args) => predict::feedback(&args, &ctx),
        Command::Metadata(args) => predict::metadata(&args, &ctx),
        Command::Up(args) => up::run(&args, &ctx),
        Command::Prepare(args) => prepare::run(&args, &ctx),
        Command::Ps(args) => ps::run(&args, &ctx),
        Command::Logs(args) => logs::run(&args, &ctx),
        Command::Down(args) => down::run(&args, &ctx),
        Command::Image(ImageCommand::Build(args)) => image::run(&args, &ctx),
        Command::Component(args) => component::run(*args, &ctx),
    };
    match result {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::Failure) => ExitCode::from(1),
        Ok(ExitStatus::Signal(code)) => ExitCode::from(code),
        Err(error) => {
            let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
            ctx.printer
                .raw_stderr(&render_error(&chain, &hints_for(&error)));
            ExitCode::from(if is_input_error(&error) { 1 } else { 2 })
        }
    }
}

/// The command line, with each subcommand's examples shown by `-h` too (clap shows only the
/// first paragraph there): they move from the long description to the text after the options.
fn command() -> clap::Command {
    Cli::command().mut_subcommands(examples_in_short_help)
}

fn examples_in_short_help(sub: clap::Command) -> clap::Command {
    let sub = sub.mut_subcommands(examples_in_short_help);
    let Some(long) = sub.get_long_about().map(ToString::to_string) else {
        return sub;
    };
    let Some(at) = long.find("Examples:") else {
        return sub;
    };
    let (description, examples) = long.split_at(at);
    sub.long_about(description.trim_end().to_owned())
        .after_help(examples.trim_end().to_owned())
}

/// Runs an async command on a multi-threaded tokio runtime (built here and nowhere else).
pub(crate) fn block_on<T>(
    future: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!(e).context("failed to start the async runtime"))?;
    runtime.block_on(future)
}

fn configure_colours(choice: ColorChoice) {
    let enabled = match choice {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        // console follows CLICOLOR but not NO_COLOR, so check it here.
        ColorChoice::Auto => std::env::var_os(env::NO_COLOR)
            .is_some_and(|v| !v.is_empty())
            .then_some(false),
    };
    if let Some(enabled) = enabled {
        console::set_colors_enabled(enabled);
        console::set_colors_enabled_stderr(enabled);
    }
}

/// Input problems exit 1; everything else (IO, internal) exits 2.
fn is_input_error(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.is::<crate::sdep::LoadError>()
            || cause.is::<crate::sdep::Violations>()
            || cause.is::<crate::sdep::ConfigError>()
            || cause.is::<crate::plan::PlanError>()
            || cause.is::<pipeline::StrictFailure>()
            || cause.is::<deployments::NotRunning>()
            || cause.is::<crate::client::ClientError>()
                && !matches!(
                    cause.downcast_ref(),
                    Some(crate::client::ClientError::Send { .. })
                )
    })
}

/// Hints are computed from the error types in the chain, not baked into messages.
fn hints_for(error: &anyhow::Error) -> Vec<String> {
    let mut hints = Vec::new();
    for cause in error.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::NotFound
        {
            hints.push("check the path; use `-` to read from stdin".to_owned());
        }
        if let Some(crate::sdep::LoadError::Syntax { .. }) = cause.downcast_ref() {
            hints.push(
                "the file must be YAML or JSON, as you would give to `kubectl apply -f`".to_owned(),
            );
        }
        if let Some(crate::sdep::ConfigError::UnknownVersion { .. }) = cause.downcast_ref() {
            hints.push("pass `--seldon-version 1.18.2` or `--seldon-version 1.2.1`".to_owned());
        }
        if let Some(crate::client::ClientError::Send { url, .. }) = cause.downcast_ref() {
            hints.push(format!("is the deployment up? nothing answered at `{url}`"));
        }
        // A runtime's Docker errors are transparent: the chain holds the `RuntimeError`.
        let docker = cause
            .downcast_ref::<crate::runtime::docker::DockerError>()
            .or_else(|| match cause.downcast_ref() {
                Some(crate::runtime::RuntimeError::Docker(error)) => Some(error),
                _ => None,
            });
        if let Some(error) = docker {
            if matches!(
                error,
                crate::runtime::docker::DockerError::Ping { .. }
                    | crate::runtime::docker::DockerError::Connect { .. }
            ) {
                hints.push(
                    "is Docker running? set `DOCKER_HOST` to reach another daemon".to_owned(),
                );
            }
            if let crate::runtime::docker::DockerError::PullImage { image, .. } = error {
                hints.push(format!(
                    "`{image}` is neither on this machine nor in its registry: `--runtime \
                     embedded` runs the deployment in-process, with no image; `--images \
                     builtin` runs seldon-local's own image for the roles it can play; \
                     `--registry HOST[:PORT]` pulls from a mirror"
                ));
            }
        }
        if let Some(
            crate::runtime::RuntimeError::Timeout { .. }
            | crate::runtime::RuntimeError::CrashLoop { .. },
        ) = cause.downcast_ref()
        {
            hints.push(
                "the container's last log lines are above; `--timeout SECONDS` waits longer"
                    .to_owned(),
            );
        }
        if let Some(error) = cause.downcast_ref::<crate::components::storage::StorageError>()
            && let Some(hint) = error.hint()
        {
            hints.push(hint);
        }
        // The storage initializer prints its own hint, fitted to the cause, among its lines.
        if let Some(crate::runtime::RuntimeError::InitFailed { logs, .. }) = cause.downcast_ref()
            && !logs.iter().any(|line| line.contains("hint: "))
        {
            hints.push(
                "check the `modelUri` and the credentials it needs (`envSecretRefName`)".to_owned(),
            );
        }
        if let Some(deployments::NotRunning { .. }) = cause.downcast_ref() {
            hints.push(
                "start it with `seldon-local up FILE`, or pass `--endpoint URL`; `seldon-local ps` lists what runs"
                    .to_owned(),
            );
        }
        if let Some(pipeline::StrictFailure { .. }) = cause.downcast_ref() {
            hints.push("fix the fields named in the warnings, or drop `--strict`".to_owned());
        }
    }
    let mut seen = std::collections::HashSet::new();
    hints.retain(|hint| seen.insert(hint.clone()));
    hints
}
