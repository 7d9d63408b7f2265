//! The embedded runtime's launcher: plays a container's role in this process, from the same
//! args and env the role's container would get, parsed by the same `component` subcommands.
//!
//! Env values become the subcommand's own flags (each env-backed flag names its variable), so
//! nothing is read from, or written to, this process's environment.

use std::collections::BTreeMap;
use tokio::net::TcpSocket;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{CommandFactory as _, Parser as _};

use super::Context;
use super::args::{Cli, Command};
use super::component::{self, Component};
use crate::components::{executor, model_server, proxy, storage};
use crate::plan::Role;
use crate::runtime::embedded::localize::LocalContainer;
use crate::runtime::embedded::{Launcher, RoleFuture};
use crate::runtime::{Cancel, Events, RuntimeEvent};

/// Plays roles as tasks of this process.
pub(crate) struct InProcess {
    pub(crate) ctx: Context,
    /// Where the storage role reports its download's progress.
    pub(crate) events: Events,
    /// Whether the executor and the proxy call the roles of this process through their routers
    /// (`http::local`) rather than their loopback sockets: on unless `SELDON_LOCAL_SOCKET_HOPS`
    /// is set.
    pub(crate) local_hops: bool,
}

impl Launcher for InProcess {
    fn launch(
        &self,
        container: LocalContainer,
        listeners: BTreeMap<u16, TcpSocket>,
        stop: Cancel,
    ) -> RoleFuture {
        let ctx = self.ctx.clone();
        let events = self.events.clone();
        let hops = self.local_hops;
        Box::pin(async move {
            play(&ctx, &container, listeners, stop, events, hops)
                .await
                .map_err(|error| format!("{error:#}"))
        })
    }
}

/// How often the storage role reports its progress.
const REPORT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

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
    listeners: &mut BTreeMap<u16, TcpSocket>,
    port: u16,
    container: &str,
) -> Result<tokio::net::TcpListener> {
    let listener = listeners.remove(&port).with_context(|| {
        format!("`{container}` listens on port {port}, which it does not declare")
    })?;
    listen(listener)
}

/// Starts listening on a reserved port: from now on a TCP probe of it passes.
fn listen(socket: TcpSocket) -> Result<tokio::net::TcpListener> {
    socket.listen(1024).context("failed to listen")
}

async fn play(
    ctx: &Context,
    container: &LocalContainer,
    mut listeners: BTreeMap<u16, TcpSocket>,
    stop: Cancel,
    events: Events,
    in_process_hops: bool,
) -> Result<()> {
    let shutdown = async move { stop.cancelled().await };
    match parse(container)? {
        Component::Executor(args) => {
            let mut args = *args;
            if let Some(path) = container.host_path(&args.annotations.display().to_string()) {
                args.annotations = path;
            }
            let (mut config, addrs) = component::executor_config(args, ctx)?;
            config.in_process_hops = in_process_hops;
            let rest = listener_for(&mut listeners, addrs.rest.port(), &container.name)?;
            let grpc = match addrs.grpc {
                Some(addr) => Some(listener_for(&mut listeners, addr.port(), &container.name)?),
                None => None,
            };
            // Every other declared port (the metrics one is the REST one) is closed, so
            // nothing is left bound and never accepted.
            drop(listeners);
            tracing::info!(
                port = addrs.rest.port(),
                grpc_port = addrs.grpc.map(|a| a.port()),
                "executor serving"
            );
            executor::serve(config, Some(rest), grpc, shutdown)
                .await
                .context("executor failed")
        }
        Component::TfservingProxy(args) => {
            let (mut config, addrs) = component::proxy_config(args)?;
            config.in_process_hops = in_process_hops;
            let rest = listener_for(&mut listeners, addrs.rest.port(), &container.name)?;
            let grpc = match addrs.grpc {
                Some(addr) => Some(listener_for(&mut listeners, addr.port(), &container.name)?),
                None => None,
            };
            // The metrics port answers where the plan declares it (`ps` lists it).
            let metrics = listeners
                .remove(&addrs.metrics.port())
                .map(listen)
                .transpose()
                .context("failed to register a listener")?;
            // Nothing else is served: closed, not left unaccepted.
            drop(listeners);
            tracing::info!(
                port = addrs.rest.port(),
                grpc_port = addrs.grpc.map(|a| a.port()),
                metrics_port = metrics.is_some().then_some(addrs.metrics.port()),
                "tfserving proxy serving"
            );
            proxy::serve(config, rest, grpc, metrics, shutdown)
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
            // The ports open only once the models are loaded, as `tensorflow_model_server`
            // does: readiness (a TCP probe) means a servable model.
            let loaded = model_server::load(config)
                .await
                .context("the model server failed")?;
            let listener = listener_for(&mut listeners, port, &container.name)?;
            let grpc = flags
                .port
                .filter(|p| *p != 0)
                .map(|port| listener_for(&mut listeners, port, &container.name))
                .transpose()?;
            tracing::info!(port, grpc_port = flags.port, "model server serving");
            loaded
                .serve(listener, grpc, shutdown)
                .await
                .context("the model server failed")
        }
        Component::Tritonserver(args) => play_triton(&args, container, listeners, shutdown).await,
        Component::StorageInitializer(args) => fetch_model(&args, &container.name, events).await,
        Component::RequestSink(args) => {
            let listener = listener_for(&mut listeners, args.port, &container.name)?;
            tracing::info!(port = args.port, dir = %args.dir.display(), "request-log sink serving");
            crate::components::request_sink::run(args.dir, listener, shutdown)
                .await
                .context("the request-log sink failed")
        }
        Component::Pause => Ok(()),
        Component::ServeFiles(_) => bail!("`serve-files` is not a role of a SeldonDeployment"),
        Component::Ingress(_) => bail!("`ingress` is not a role of a SeldonDeployment"),
        Component::Supervisor(_) => bail!("`supervisor` is not a role of a SeldonDeployment"),
    }
}

/// The Triton role in this process.
async fn play_triton(
    args: &super::component_triton::TritonArgs,
    container: &LocalContainer,
    mut listeners: BTreeMap<u16, TcpSocket>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let flags = super::component_triton::parse_flags(&args.flags)?;
    for message in &flags.ignored {
        tracing::warn!("{message}");
    }
    let (mut config, warnings) = super::component_triton::server_config(&flags)?;
    for message in warnings {
        tracing::warn!("{message}");
    }
    if let Some(path) = container.host_path(&config.repository.display().to_string()) {
        config.repository = path;
    }
    // The ports open only once the models are loaded, as `tritonserver` does: readiness (a
    // TCP probe) means servable models.
    let loaded = crate::components::triton::load(config)
        .await
        .context("the Triton-compatible server failed")?;
    let port = flags.http_port.unwrap_or(8000);
    let listener = listener_for(&mut listeners, port, &container.name)?;
    let grpc = flags
        .grpc_port
        .filter(|p| *p != 0)
        .map(|port| listener_for(&mut listeners, port, &container.name))
        .transpose()?;
    drop(listeners);
    tracing::info!(port, grpc_port = flags.grpc_port, "triton server serving");
    loaded
        .serve(listener, grpc, shutdown)
        .await
        .context("the Triton-compatible server failed")
}

/// The storage role in this process: fetches the model, reporting progress as
/// [`RuntimeEvent::Download`]s.
async fn fetch_model(
    args: &super::component_storage::StorageInitializerArgs,
    name: &str,
    events: Events,
) -> Result<()> {
    let source = storage::Source::parse(&args.src)?;
    // Credentials come from this process's environment: there is no Secret to read.
    let config = storage::Config {
        credentials: storage::Credentials::from_env_vars(super::component_storage::utf8_env()),
        pvcs: args.pvc.iter().cloned().collect(),
        base_dir: args.base_dir.clone(),
        parallelism: usize::from(args.parallel),
        unpack: args.unpack_limits(),
        ..storage::Config::default()
    };
    // The fetch's future is not `Send` for every lifetime the launcher's must be; it
    // runs on a runtime of its own on a blocking thread instead.
    let dest = args.dest.clone();
    let span = tracing::Span::current();
    let name = name.to_owned();
    let summary = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("failed to start the async runtime")?;
        let mut snapshot = storage::Snapshot::default();
        let mut reported: Option<std::time::Instant> = None;
        let progress = |event: storage::Event| {
            snapshot.apply(&event);
            let due = reported.is_none_or(|at| at.elapsed() >= REPORT_EVERY);
            if due || matches!(event, storage::Event::FileDone { .. }) {
                reported = Some(std::time::Instant::now());
                events.emit(RuntimeEvent::Download {
                    container: name.clone(),
                    progress: snapshot,
                });
            }
        };
        runtime
            .block_on(storage::fetch(&source, &dest, &config, progress))
            .map_err(|error| match error.hint() {
                // One line with its cause, then what to do, as the role prints them.
                Some(hint) => anyhow!("{error}\nhint: {hint}"),
                None => anyhow!(error),
            })
    })
    .await
    .context("the storage initializer stopped")??;
    tracing::info!(
        "fetched {} file(s), {}, into `{}`",
        summary.files,
        indicatif::HumanBytes(summary.bytes),
        summary.dest.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// The embedded runtime's storage role reports its download as `Download` events, ending
    /// with every byte and file counted (the bar `up` draws).
    #[tokio::test]
    async fn the_storage_role_reports_its_download_as_events() {
        let tmp = tempfile::tempdir().unwrap();
        let model = tmp.path().join("model");
        std::fs::create_dir(&model).unwrap();
        std::fs::write(model.join("a.bin"), vec![1u8; 1000]).unwrap();
        std::fs::write(model.join("b.bin"), vec![2u8; 500]).unwrap();
        let args = super::super::component_storage::StorageInitializerArgs {
            src: model.display().to_string(),
            dest: tmp.path().join("dest"),
            pvc: Vec::new(),
            base_dir: tmp.path().to_owned(),
            parallel: 1,
            max_unpacked_bytes: storage::UnpackLimits::DEFAULT_MAX_BYTES,
            max_unpacked_entries: storage::UnpackLimits::DEFAULT_MAX_ENTRIES,
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let events = Events::new(move |event| sink.lock().unwrap().push(event));
        fetch_model(&args, "model-initializer", events)
            .await
            .unwrap();
        let seen = seen.lock().unwrap();
        let last = seen
            .iter()
            .rev()
            .find_map(|e| match e {
                RuntimeEvent::Download {
                    container,
                    progress,
                } => Some((container.clone(), *progress)),
                _ => None,
            })
            .expect("progress was reported");
        assert_eq!(last.0, "model-initializer");
        assert_eq!((last.1.bytes, last.1.files_done), (1500, 2));
    }
}
