//! `seldon-local up`: run a SeldonDeployment in Docker, wait until it is ready, print its
//! endpoints. Ctrl-C or SIGTERM removes what was created and exits 130 or 143.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::args::{ImagesArg, RuntimeArg, SdepArgs, TableFormat, UpArgs};
use super::docker::{block_on, connect, session_id};
use super::pipeline::check;
use super::signals::Signals;
use super::{Context, ExitStatus};
use crate::plan;
use crate::runtime::{Cancel, ImagePolicy, Running, RuntimeError, UpOptions};

/// The plans of every deployment in the file; `None` once a violation has been reported.
pub(crate) fn plans(sdep: &SdepArgs, ctx: &Context) -> Result<Option<Vec<plan::Plan>>> {
    let mut plans = Vec::new();
    for checked in check(sdep, ctx)? {
        match checked.verdict {
            Ok(validated) => plans.push(
                plan::build(&validated)
                    .with_context(|| format!("failed to plan `{}`", checked.name))?,
            ),
            Err(violations) => {
                ctx.printer
                    .error(format!("{}: {violations}", checked.origin));
                return Ok(None);
            }
        }
    }
    Ok(Some(plans))
}

#[allow(clippy::too_many_lines)] // plan, choose the runtime, start, report
pub(crate) fn run(args: &UpArgs, ctx: &Context) -> Result<ExitStatus> {
    let Some(plans) = super::up::plans(&args.sdep, ctx)? else {
        return Ok(ExitStatus::Failure);
    };
    if plans.is_empty() {
        bail!("`{}` holds no SeldonDeployment", args.sdep.file.display());
    }
    check_publish(&args.publish, &plans)?;
    let base_dir = base_dir(&args.sdep.file)?;
    let embedded = match args.runtime {
        RuntimeArg::Embedded => true,
        RuntimeArg::Docker if !args.exec.is_empty() => bail!(
            "`--exec` plays a container by a local command, which only the embedded runtime \
             does; drop `--runtime docker` or `--exec`"
        ),
        RuntimeArg::Docker => false,
        RuntimeArg::Auto if !args.exec.is_empty() => {
            ctx.printer
                .status("runtime", "embedded (`--exec` runs local commands)");
            true
        }
        RuntimeArg::Auto => {
            let docker = super::docker::daemon_answers();
            ctx.printer.status(
                "runtime",
                if docker {
                    "docker (a daemon answers; `--runtime embedded` runs in-process)"
                } else {
                    "embedded (no Docker daemon answers)"
                },
            );
            !docker
        }
    };
    if embedded {
        if args.registry.is_some() {
            ctx.printer
                .note("`--registry` is for Docker's images: the embedded runtime pulls none");
        }
        return super::embedded::up(args, &plans, &base_dir, ctx);
    }
    let names: Vec<&str> = plans.iter().map(|p| p.deployment.as_str()).collect();
    // Until every deployment is ready (or cleaned up), no other `up` of these names starts.
    let _lifecycle = super::lock::acquire(&names, Duration::from_secs(args.timeout), ctx)?;
    // A name is one deployment: the embedded one of that name makes way.
    for plan in &plans {
        if super::embedded::list(Some(&plan.deployment))?.is_empty() {
            continue;
        }
        ctx.printer.status(
            "replacing",
            format!(
                "`{}` (embedded) by the Docker deployment of that name",
                plan.deployment
            ),
        );
        super::embedded::down(Some(&plan.deployment), ctx)?;
    }
    if args.detach {
        // Docker's `up` already returns once ready, with the containers running on: `-d` is
        // what it does anyway, so scripts may pass it whatever the runtime.
        ctx.printer
            .note("`-d` is how `up` works on Docker: it returns once ready");
    }
    let fixed_ports: BTreeMap<(String, u16), u16> = args
        .publish
        .iter()
        .map(|(container, port, host)| ((container.clone(), *port), *host))
        .collect();
    let options = UpOptions {
        session: std::env::var(crate::env::SELDON_LOCAL_SESSION)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(session_id),
        images: match args.images {
            ImagesArg::Upstream => ImagePolicy::Upstream,
            ImagesArg::Builtin => ImagePolicy::Builtin,
            ImagesArg::Auto => ImagePolicy::Auto,
        },
        registry: args.registry.clone(),
        fixed_ports,
        timeout: Duration::from_secs(args.timeout),
        base_dir,
        ca_file: std::env::var_os(crate::env::SSL_CERT_FILE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    };
    block_on(async {
        let runtime = connect(ctx).await?;
        let mut signals = Signals::listen()?;
        let mut all = Vec::new();
        for plan in &plans {
            let started = Instant::now();
            let (canceller, cancel) = Cancel::new();
            let up = Box::pin(runtime.up(plan, &options, &cancel));
            let result = signals.cancelling(up, &canceller).await;
            match result {
                Ok(running) => {
                    ctx.printer.status(
                        "ready",
                        format!(
                            "`{}` in {:.1}s",
                            running.deployment,
                            started.elapsed().as_secs_f64()
                        ),
                    );
                    all.push(running);
                }
                Err(RuntimeError::Interrupted) => {
                    ctx.printer.status(
                        "interrupted",
                        format!("everything `{}` had created was removed", plan.deployment),
                    );
                    return Ok(ExitStatus::Signal(signals.exit_code()));
                }
                Err(error) => {
                    return Err(anyhow::Error::new(error)
                        .context(format!("failed to start deployment `{}`", plan.deployment)));
                }
            }
        }
        for (plan, running) in plans.iter().zip(&mut all) {
            super::ingress::publish(plan, running, "docker", args.ingress_port, ctx);
            finish_predict(running, &args.sdep.file);
        }
        // Pods heal as on Kubernetes only while a supervisor follows Docker's events.
        if let Err(error) = super::supervisor::ensure() {
            ctx.printer.warning(format!(
                "pods will not heal from `docker kill`: the supervisor did not start: {error:#}"
            ));
        }
        print_running(&all, args.output, ctx)?;
        Ok(ExitStatus::Success)
    })
}

/// Every `-p CONTAINER:PORT=HOSTPORT` names a port some container declares.
fn check_publish(publish: &[(String, u16, u16)], plans: &[plan::Plan]) -> Result<()> {
    let mut declared: Vec<(String, u16)> = plans
        .iter()
        .flat_map(|p| &p.pods)
        .flat_map(|p| &p.containers)
        .flat_map(|c| c.ports.iter().map(|p| (c.name.clone(), p.container_port)))
        .collect();
    declared.sort();
    declared.dedup();
    for (container, port, host) in publish {
        if !declared.contains(&(container.clone(), *port)) {
            let listed: Vec<String> = declared.iter().map(|(c, p)| format!("{c}:{p}")).collect();
            bail!(
                "`-p {container}:{port}={host}`: no container `{container}` declares port {port}; \
                 the ports are {}",
                listed.join(", ")
            );
        }
    }
    Ok(())
}

/// Where relative model paths are resolved: the file's directory (the current one for stdin).
pub(crate) fn base_dir(file: &Path) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("failed to read the current directory")?;
    if file == Path::new("-") {
        return Ok(cwd);
    }
    let parent = file.parent().unwrap_or(Path::new(""));
    Ok(cwd.join(parent))
}

/// What `up` prints on stdout, the same on both runtimes: the table, or a JSON array with one
/// object per deployment.
pub(crate) fn print_running(all: &[Running], format: TableFormat, ctx: &Context) -> Result<()> {
    match format {
        TableFormat::Json => ctx.printer.data(&serde_json::to_string_pretty(all)?),
        TableFormat::Table => ctx.printer.data(&table(all)),
    }
    Ok(())
}

/// Gives the predict command a body that fits the model, and adds the equivalent `curl` line:
/// the example's `request.json` beside the sdep file when there is one (`--file PATH`, the
/// path as the user reaches it from here), else the runtime's placeholder.
pub(crate) fn finish_predict(running: &mut Running, sdep_file: &Path) {
    let Some(command) = running.predict_command.take() else {
        return;
    };
    let request = request_file(sdep_file);
    let (command, data) =
        if let (Some(path), Some((head, _))) = (&request, command.split_once(" --ndarray ")) {
            let path = shell_quote(&path.display().to_string());
            (format!("{head} --file {path}"), format!("@{path}"))
        } else {
            // The placeholder is an ndarray, sent as Seldon's message or TF's `instances`.
            let tensorflow = running
                .predict_url
                .as_deref()
                .is_some_and(|u| u.contains("/v1/models/"));
            let body = if tensorflow {
                r#"{"instances": [[1.0, 2.0]]}"#
            } else {
                r#"{"data": {"ndarray": [[1.0, 2.0]]}}"#
            };
            (command, shell_quote(body))
        };
    running.curl_command = running
        .predict_url
        .as_ref()
        .map(|url| format!("curl -s -H 'Content-Type: application/json' -d {data} {url}"));
    running.predict_command = Some(command);
}

/// `request.json` beside the sdep file, when it exists.
fn request_file(sdep_file: &Path) -> Option<PathBuf> {
    // From stdin, relative paths are the current directory's: so is the request file.
    let dir = if sdep_file == Path::new("-") {
        Path::new("")
    } else {
        sdep_file.parent().unwrap_or(Path::new(""))
    };
    let path = dir.join("request.json");
    path.is_file().then_some(path)
}

/// Quotes a word for a POSIX shell when it needs it.
pub(crate) fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@:=,+%".contains(c))
    {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The endpoints as a table, then the predict command line.
pub(crate) fn table(running: &[Running]) -> String {
    let mut rows = vec![[
        "DEPLOYMENT".to_owned(),
        "PREDICTOR".to_owned(),
        "ENDPOINT".to_owned(),
        "PROTOCOL".to_owned(),
        "ADDRESS".to_owned(),
    ]];
    for deployment in running {
        for e in &deployment.endpoints {
            rows.push([
                deployment.deployment.clone(),
                e.predictor.clone(),
                e.name.clone(),
                e.protocol.clone(),
                e.address.clone(),
            ]);
        }
    }
    let mut out = render_rows(&rows);
    for deployment in running {
        if let Some(command) = &deployment.predict_command {
            let _ = writeln!(out, "\ntry `{}`:\n  {command}", deployment.deployment);
            if let Some(curl) = &deployment.curl_command {
                let _ = writeln!(out, "  {curl}");
            }
        }
    }
    out
}

/// Left-aligned columns separated by two spaces.
pub(crate) fn render_rows<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
