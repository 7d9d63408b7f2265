//! `seldon-local component tensorflow-model-server`: the builtin TF-Serving-compatible model
//! server, taking `tensorflow_model_server`'s own flags so the operator's container args work
//! unchanged (`--port=9000 --rest_api_port=8501 --model_name=x --model_base_path=/mnt/models`).
//!
//! TF's flags are parsed here by hand: they come as `--flag=value`, `-flag=value` or
//! `--flag value`, and flags the builtin server cannot honour are warnings, not errors.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use crate::components::model_server::{
    self, Config, DEFAULT_MAX_BODY_BYTES, Event, ModelConfig, VersionPolicy,
};

use super::{Context, ExitStatus, block_on};

#[derive(Debug, clap::Args)]
pub(crate) struct TfServingArgs {
    /// `tensorflow_model_server` flags, as `--flag=value`, `-flag=value` or `--flag value`.
    #[arg(
        value_name = "FLAG",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub(crate) flags: Vec<String>,
}

/// `tensorflow_model_server`'s flags that the builtin server honours.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct TfFlags {
    pub(crate) port: Option<u16>,
    pub(crate) rest_api_port: Option<u16>,
    pub(crate) model_name: Option<String>,
    pub(crate) model_base_path: Option<PathBuf>,
    pub(crate) model_config_file: Option<PathBuf>,
    pub(crate) file_system_poll_wait_seconds: Option<i64>,
    /// One message per flag or argument that is accepted but ignored.
    pub(crate) ignored: Vec<String>,
}

/// Flags of `tensorflow_model_server` that are accepted and ignored without taking a value
/// from the next argument when written as `--flag` alone.
const VALUE_FLAGS: &[&str] = &[
    "port",
    "grpc_socket_path",
    "rest_api_port",
    "rest_api_num_threads",
    "rest_api_timeout_in_ms",
    "model_name",
    "model_base_path",
    "model_config_file",
    "model_config_file_poll_wait_seconds",
    "file_system_poll_wait_seconds",
    "batching_parameters_file",
    "monitoring_config_file",
    "platform_config_file",
    "tensorflow_session_parallelism",
    "tensorflow_intra_op_parallelism",
    "tensorflow_inter_op_parallelism",
    "saved_model_tags",
    "max_num_load_retries",
    "load_retry_interval_micros",
    "num_load_threads",
    "num_unload_threads",
    "ssl_config_file",
    "per_process_gpu_memory_fraction",
];

/// Parses TF-style flags (`--name=value`, `-name=value`, `--name value`, bare booleans).
pub(crate) fn parse_tf_flags(args: &[String]) -> Result<TfFlags> {
    let mut flags = TfFlags::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            flags.ignored.push(format!("argument `{arg}` is ignored"));
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None if VALUE_FLAGS.contains(&body) && i < args.len() => {
                i += 1;
                (body, Some(args[i - 1].clone()))
            }
            None => (body, None),
        };
        let need =
            |value: Option<String>| value.with_context(|| format!("flag `--{name}` needs a value"));
        let port = |value: Option<String>| -> Result<u16> {
            let value = need(value)?;
            value
                .parse()
                .with_context(|| format!("`--{name}={value}` is not a port number"))
        };
        match name {
            "port" => flags.port = Some(port(value)?),
            "rest_api_port" => flags.rest_api_port = Some(port(value)?),
            "model_name" => flags.model_name = Some(need(value)?),
            "model_base_path" => flags.model_base_path = Some(PathBuf::from(need(value)?)),
            "model_config_file" => flags.model_config_file = Some(PathBuf::from(need(value)?)),
            "file_system_poll_wait_seconds" => {
                let value = need(value)?;
                flags.file_system_poll_wait_seconds = Some(value.parse().with_context(|| {
                    format!("`--file_system_poll_wait_seconds={value}` is not an integer")
                })?);
            }
            other => flags.ignored.push(format!(
                "flag `--{other}` is not supported by the builtin model server and is ignored"
            )),
        }
    }
    Ok(flags)
}

/// Turns the flags and the config file's text into the server's config.
pub(crate) fn server_config(
    flags: &TfFlags,
    config_text: Option<&str>,
) -> Result<(Config, Vec<String>)> {
    let mut warnings = Vec::new();
    let models = match (config_text, &flags.model_base_path) {
        (Some(_), Some(_)) => {
            bail!("`--model_config_file` and `--model_base_path` cannot be used together")
        }
        (Some(text), None) => {
            let parsed = model_server::config::parse(text)?;
            warnings.extend(parsed.warnings);
            if parsed.models.is_empty() {
                bail!("the model config file configures no model");
            }
            parsed.models
        }
        (None, Some(base_path)) => vec![ModelConfig {
            name: flags
                .model_name
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            base_path: base_path.clone(),
            version_policy: VersionPolicy::default(),
            version_labels: std::collections::BTreeMap::new(),
        }],
        (None, None) => {
            bail!("pass `--model_base_path` (and `--model_name`) or `--model_config_file`")
        }
    };
    let poll_interval = match flags.file_system_poll_wait_seconds.unwrap_or(1) {
        n if n > 0 => Some(Duration::from_secs(n.unsigned_abs())),
        0 => None,
        n => {
            warnings.push(format!(
                "`--file_system_poll_wait_seconds={n}`: models are loaded once, not polled"
            ));
            None
        }
    };
    Ok((
        Config {
            models,
            poll_interval,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            events: None,
        },
        warnings,
    ))
}

pub(crate) fn run(args: &TfServingArgs, ctx: &Context) -> Result<ExitStatus> {
    let flags = parse_tf_flags(&args.flags)?;
    for message in &flags.ignored {
        ctx.printer.warning(message);
    }
    let config_text = flags
        .model_config_file
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path)
                .with_context(|| format!("failed to read `{}`", path.display()))
        })
        .transpose()?;
    let (mut config, warnings) = server_config(&flags, config_text.as_deref())?;
    for message in &warnings {
        ctx.printer.warning(message);
    }
    let Some(rest_port) = flags.rest_api_port.filter(|p| *p != 0) else {
        bail!(
            "pass `--rest_api_port`: the builtin model server always serves REST (and gRPC on `--port`)"
        );
    };
    block_on(async move {
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        config.events = Some(events);
        let printer = ctx.printer;
        let reporter = tokio::spawn(async move {
            while let Some(event) = received.recv().await {
                report(printer, &event);
            }
        });
        let address = std::net::SocketAddr::from(([0, 0, 0, 0], rest_port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("failed to listen on `{address}`"))?;
        ctx.printer.status(
            "Serving",
            format!("TensorFlow Serving REST API on `{address}`"),
        );
        let grpc = match flags.port.filter(|p| *p != 0) {
            Some(port) => {
                let address = std::net::SocketAddr::from(([0, 0, 0, 0], port));
                let listener = tokio::net::TcpListener::bind(address)
                    .await
                    .with_context(|| format!("failed to listen on `{address}`"))?;
                ctx.printer.status(
                    "Serving",
                    format!("TensorFlow Serving gRPC API on `{address}`"),
                );
                Some(listener)
            }
            None => None,
        };
        model_server::serve_all(config, listener, grpc, shutdown_signal())
            .await
            .context("the model server failed")?;
        reporter.abort();
        Ok(ExitStatus::Success)
    })
}

pub(crate) fn report(printer: crate::output::Printer, event: &Event) {
    match event {
        Event::Loaded { model, version } => {
            printer.status("Loaded", format!("model `{model}` version {version}"));
        }
        Event::Unloaded { model, version } => {
            printer.status("Unloaded", format!("model `{model}` version {version}"));
        }
        Event::LoadFailed {
            model,
            version,
            error,
        } => printer.error(format!(
            "failed to load model `{model}` version {version}: {error}"
        )),
        Event::ListFailed { model, error } => {
            printer.warning(format!("model `{model}`: {error}"));
        }
    }
}

/// Completes on Ctrl-C or SIGTERM (`docker stop`).
pub(crate) async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = interrupt.await;
            return;
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn operator_args_parse_in_every_tf_form() {
        let flags = parse_tf_flags(&args(&[
            "--port=9000",
            "-rest_api_port=8501",
            "--model_name",
            "mnist",
            "--model_base_path=/mnt/models",
            "--enable_batching",
            "--rest_api_timeout_in_ms=5000",
        ]))
        .unwrap();
        assert_eq!(flags.port, Some(9000));
        assert_eq!(flags.rest_api_port, Some(8501));
        assert_eq!(flags.model_name.as_deref(), Some("mnist"));
        assert_eq!(flags.model_base_path, Some(PathBuf::from("/mnt/models")));
        assert_eq!(
            flags.ignored,
            vec![
                "flag `--enable_batching` is not supported by the builtin model server and is ignored",
                "flag `--rest_api_timeout_in_ms` is not supported by the builtin model server and is ignored",
            ]
        );
    }

    #[test]
    fn bad_flag_values_are_errors() {
        let error = parse_tf_flags(&args(&["--rest_api_port=http"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`--rest_api_port=http` is not a port number"
        );
        assert!(parse_tf_flags(&args(&["--model_name"])).is_err());
    }

    #[test]
    fn single_model_flags_become_a_latest_policy_model_polled_every_second() {
        let flags = parse_tf_flags(&args(&["--model_base_path=/m"])).unwrap();
        let (config, warnings) = server_config(&flags, None).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(config.models[0].name, "default");
        assert_eq!(
            config.models[0].version_policy,
            VersionPolicy::Latest { num_versions: 1 }
        );
        assert_eq!(config.poll_interval, Some(Duration::from_secs(1)));
        let none = parse_tf_flags(&args(&["--file_system_poll_wait_seconds=0"])).unwrap();
        assert!(server_config(&none, None).is_err());
    }

    #[test]
    fn config_file_lists_several_models() {
        let flags = parse_tf_flags(&args(&["--file_system_poll_wait_seconds=0"])).unwrap();
        let text = "model_config_list { config { name: 'a' base_path: '/a' } config { name: 'b' base_path: '/b' } }";
        let (config, _) = server_config(&flags, Some(text)).unwrap();
        let names: Vec<&str> = config.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(config.poll_interval, None);
    }
}
