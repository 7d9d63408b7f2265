//! The embedded runtime's launcher: plays a container's role in this process, from the same
//! args and env the role's container would get, parsed by the same `component` subcommands.
//!
//! Env values become the subcommand's own flags (each env-backed flag names its variable), so
//! nothing is read from, or written to, this process's environment.

use std::collections::BTreeMap;
use std::net::TcpListener;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{CommandFactory as _, Parser as _};

use super::Context;
use super::args::{Cli, Command};
use super::component::{self, Component};
use crate::components::{executor, model_server, proxy, storage};
use crate::plan::Role;
use crate::runtime::Cancel;
use crate::runtime::embedded::localize::LocalContainer;
use crate::runtime::embedded::{Launcher, RoleFuture};

/// Plays roles as tasks of this process.
pub(crate) struct InProcess {
    pub(crate) ctx: Context,
}

impl Launcher for InProcess {
    fn launch(
        &self,
        container: LocalContainer,
        listeners: BTreeMap<u16, TcpListener>,
        stop: Cancel,
    ) -> RoleFuture {
        let ctx = self.ctx.clone();
        Box::pin(async move {
            play(&ctx, &container, listeners, stop)
                .await
                .map_err(|error| format!("{error:#}"))
        })
    }
}

/// The `component` subcommand of a role.
fn subcommand(role: &Role) -> Option<&'static str> {
    crate::runtime::builtin_component(role)
}

/// Parses the role's subcommand from the container's args plus its env turned into flags.
fn parse(container: &LocalContainer) -> Result<Component> {
    let name = subcommand(&container.role)
        .with_context(|| format!("container `{}` has no builtin role", container.name))?;
    let mut argv: Vec<String> = vec!["seldon-local".into(), "component".into(), name.into()];
    let command = Cli::command();
    let role = command
        .find_subcommand("component")
        .and_then(|c| c.find_subcommand(name))
        .with_context(|| format!("no `component {name}` subcommand"))?;
    let mut flags = Vec::new();
    for argument in role.get_arguments() {
        let (Some(variable), Some(long)) = (argument.get_env(), argument.get_long()) else {
            continue;
        };
        if let Some(value) = variable.to_str().and_then(|v| container.env.get(v)) {
            flags.push(format!("--{long}={value}"));
        }
    }
    // Positional and trailing arguments come last, so the env flags go before them.
    argv.extend(flags);
    argv.extend(container.args.iter().cloned());
    let cli = Cli::try_parse_from(&argv)
        .map_err(|e| anyhow!("{}", e.render()))
        .with_context(|| format!("failed to read the args and env of `{}`", container.name))?;
    match cli.command {
        Command::Component(component) => Ok(component.component),
        _ => bail!("`{}` did not parse as a component", container.name),
    }
}

fn listener_for(
    listeners: &mut BTreeMap<u16, TcpListener>,
    port: u16,
    container: &str,
) -> Result<tokio::net::TcpListener> {
    let listener = listeners.remove(&port).with_context(|| {
        format!("`{container}` listens on port {port}, which it does not declare")
    })?;
    tokio::net::TcpListener::from_std(listener).context("failed to register a listener")
}

async fn play(
    ctx: &Context,
    container: &LocalContainer,
    mut listeners: BTreeMap<u16, TcpListener>,
    stop: Cancel,
) -> Result<()> {
    let shutdown = async move { stop.cancelled().await };
    match parse(container)? {
        Component::Executor(args) => {
            let mut args = *args;
            if let Some(path) = container.host_path(&args.annotations.display().to_string()) {
                args.annotations = path;
            }
            let (config, addr) = component::executor_config(args, ctx)?;
            let listener = listener_for(&mut listeners, addr.port(), &container.name)?;
            tracing::info!(port = addr.port(), "executor serving");
            executor::run(config, listener, shutdown)
                .await
                .context("executor failed")
        }
        Component::TfservingProxy(args) => {
            let (config, addr) = component::proxy_config(args)?;
            let listener = listener_for(&mut listeners, addr.port(), &container.name)?;
            tracing::info!(port = addr.port(), "tfserving proxy serving");
            proxy::run(config, listener, shutdown)
                .await
                .context("tfserving proxy failed")
        }
        Component::TensorflowModelServer(args) => {
            let flags = super::component_tfserving::parse_tf_flags(&args.flags)?;
            for message in &flags.ignored {
                tracing::warn!("{message}");
            }
            let config_text = match &flags.model_config_file {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("failed to read `{}`", path.display()))?,
                ),
                None => None,
            };
            let (config, warnings) =
                super::component_tfserving::server_config(&flags, config_text.as_deref())?;
            for message in warnings {
                tracing::warn!("{message}");
            }
            let port = flags.rest_api_port.filter(|p| *p != 0).context(
                "`--rest_api_port` is needed: the builtin model server always serves REST",
            )?;
            let listener = listener_for(&mut listeners, port, &container.name)?;
            let grpc = flags
                .port
                .filter(|p| *p != 0)
                .map(|port| listener_for(&mut listeners, port, &container.name))
                .transpose()?;
            tracing::info!(port, grpc_port = flags.port, "model server serving");
            model_server::serve_all(config, listener, grpc, shutdown)
                .await
                .context("the model server failed")
        }
        Component::StorageInitializer(args) => {
            let source = storage::Source::parse(&args.src)?;
            // Credentials come from this process's environment: there is no Secret to read.
            let config = storage::Config {
                credentials: storage::Credentials::from_env_vars(
                    super::component_storage::utf8_env(),
                ),
                pvcs: args.pvc.iter().cloned().collect(),
                base_dir: args.base_dir.clone(),
                parallelism: usize::from(args.parallel),
                ..storage::Config::default()
            };
            // The fetch's future is not `Send` for every lifetime the launcher's must be; it
            // runs on a runtime of its own on a blocking thread instead.
            let dest = args.dest.clone();
            let span = tracing::Span::current();
            let summary = tokio::task::spawn_blocking(move || {
                let _entered = span.enter();
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("failed to start the async runtime")?;
                runtime
                    .block_on(storage::fetch(&source, &dest, &config, |_| {}))
                    .with_context(|| {
                        format!("failed to fetch `{source}` into `{}`", dest.display())
                    })
            })
            .await
            .context("the storage initializer stopped")??;
            tracing::info!(
                files = summary.files,
                bytes = summary.bytes,
                "fetched the model"
            );
            Ok(())
        }
        Component::Pause => Ok(()),
    }
}
