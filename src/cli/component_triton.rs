//! `seldon-local component tritonserver`: the builtin Triton-compatible server, taking
//! `tritonserver`'s own flags so the operator's container args work unchanged
//! (`/opt/tritonserver/bin/tritonserver --grpc-port=9500 --http-port=9000
//! --model-repository=/mnt/models --strict-model-config=false`).
//!
//! Flags come as `--flag=value` or `--flag value`; the leading binary path is skipped, and
//! flags the builtin server cannot honour are warnings, not errors.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use crate::components::triton::{self, Config, DEFAULT_MAX_BODY_BYTES, ModelControl};

use super::{Context, ExitStatus, block_on};

#[derive(Debug, clap::Args)]
pub(crate) struct TritonArgs {
    /// `tritonserver` flags, as `--flag=value` or `--flag value`.
    #[arg(
        value_name = "FLAG",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub(crate) flags: Vec<String>,
}

/// `tritonserver`'s flags that the builtin server honours.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct TritonFlags {
    pub(crate) model_repository: Option<PathBuf>,
    pub(crate) http_port: Option<u16>,
    pub(crate) grpc_port: Option<u16>,
    pub(crate) model_control_mode: Option<String>,
    pub(crate) load_model: Vec<String>,
    pub(crate) repository_poll_secs: Option<u64>,
    /// One message per flag or argument that is accepted but ignored.
    pub(crate) ignored: Vec<String>,
}

/// Flags that take a value, so `--flag value` reads the next argument.
const VALUE_FLAGS: &[&str] = &[
    "model-repository",
    "model-store",
    "http-port",
    "grpc-port",
    "metrics-port",
    "model-control-mode",
    "load-model",
    "repository-poll-secs",
    "strict-model-config",
    "log-verbose",
    "log-info",
    "log-warning",
    "log-error",
    "exit-on-error",
    "strict-readiness",
    "allow-http",
    "allow-grpc",
    "allow-metrics",
    "allow-gpu-metrics",
    "backend-config",
    "pinned-memory-pool-byte-size",
    "cuda-memory-pool-byte-size",
    "min-supported-compute-capability",
    "exit-timeout-secs",
    "http-thread-count",
    "grpc-infer-allocation-pool-size",
    "buffer-manager-thread-count",
    "model-load-thread-count",
    "id",
];

/// Parses `tritonserver` flags.
pub(crate) fn parse_flags(args: &[String]) -> Result<TritonFlags> {
    let mut flags = TritonFlags::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(body) = arg.strip_prefix("--") else {
            // The operator names the binary first.
            if i == 1 && arg.ends_with("tritonserver") {
                continue;
            }
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
            "model-repository" | "model-store" => {
                flags.model_repository = Some(PathBuf::from(need(value)?));
            }
            "http-port" => flags.http_port = Some(port(value)?),
            "grpc-port" => flags.grpc_port = Some(port(value)?),
            "model-control-mode" => flags.model_control_mode = Some(need(value)?),
            "load-model" => flags.load_model.push(need(value)?),
            "repository-poll-secs" => {
                let value = need(value)?;
                flags.repository_poll_secs = Some(value.parse().with_context(|| {
                    format!("`--repository-poll-secs={value}` is not a number of seconds")
                })?);
            }
            // Auto-complete always applies where config.pbtxt leaves a field open.
            "strict-model-config" => {}
            other => flags.ignored.push(format!(
                "flag `--{other}` is not supported by the builtin Triton server and is ignored"
            )),
        }
    }
    Ok(flags)
}

/// The server's config from the flags, and warnings.
pub(crate) fn server_config(flags: &TritonFlags) -> Result<(Config, Vec<String>)> {
    let mut warnings = Vec::new();
    let Some(repository) = flags.model_repository.clone() else {
        bail!("pass `--model-repository`");
    };
    let mode = flags.model_control_mode.as_deref().unwrap_or("none");
    // Triton reads the mode case-insensitively (`EXPLICIT` is common in manifests).
    let control = match mode.to_ascii_lowercase().as_str() {
        "none" => ModelControl::None,
        "poll" => ModelControl::Poll(Duration::from_secs(
            flags.repository_poll_secs.unwrap_or(15).max(1),
        )),
        "explicit" => {
            if flags.load_model.iter().any(|m| m == "*") && flags.load_model.len() > 1 {
                bail!("`--load-model=*` must be the only `--load-model`");
            }
            ModelControl::Explicit(flags.load_model.clone())
        }
        _ => bail!("`--model-control-mode={mode}` is not one of none, poll, explicit"),
    };
    if !matches!(control, ModelControl::Explicit(_)) && !flags.load_model.is_empty() {
        warnings
            .push("`--load-model` applies only with `--model-control-mode=explicit`".to_owned());
    }
    Ok((
        Config {
            repository,
            control,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            events: None,
        },
        warnings,
    ))
}

pub(crate) fn run(args: &TritonArgs, ctx: &Context) -> Result<ExitStatus> {
    let flags = parse_flags(&args.flags)?;
    for message in &flags.ignored {
        ctx.printer.warning(message);
    }
    let (mut config, warnings) = server_config(&flags)?;
    for message in &warnings {
        ctx.printer.warning(message);
    }
    let port = flags.http_port.unwrap_or(8000);
    block_on(async move {
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        config.events = Some(events);
        let printer = ctx.printer;
        let reporter = tokio::spawn(async move {
            while let Some(event) = received.recv().await {
                super::component_tfserving::report(printer, &event);
            }
        });
        // Ports open once the models are loaded: a TCP probe that passes means servable models.
        let loaded = triton::load(config)
            .await
            .context("the Triton-compatible server failed")?;
        let address = std::net::SocketAddr::from(([0, 0, 0, 0], port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("failed to listen on `{address}`"))?;
        ctx.printer.status(
            "Serving",
            format!("the V2 inference REST API on `{address}`"),
        );
        let grpc = match flags.grpc_port.filter(|p| *p != 0) {
            Some(port) => {
                let address = std::net::SocketAddr::from(([0, 0, 0, 0], port));
                let listener = tokio::net::TcpListener::bind(address)
                    .await
                    .with_context(|| format!("failed to listen on `{address}`"))?;
                ctx.printer.status(
                    "Serving",
                    format!("the V2 inference gRPC API on `{address}`"),
                );
                Some(listener)
            }
            None => None,
        };
        loaded
            .serve(
                listener,
                grpc,
                super::component_tfserving::shutdown_signal(),
            )
            .await
            .context("the Triton-compatible server failed")?;
        reporter.abort();
        Ok(ExitStatus::Success)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_operators_args_parse_without_warnings() {
        let flags = parse_flags(&args(&[
            "/opt/tritonserver/bin/tritonserver",
            "--grpc-port=9500",
            "--http-port=9000",
            "--model-repository=/mnt/models",
            "--strict-model-config=false",
        ]))
        .unwrap();
        assert_eq!(flags.http_port, Some(9000));
        assert_eq!(flags.grpc_port, Some(9500));
        assert_eq!(flags.model_repository, Some(PathBuf::from("/mnt/models")));
        assert!(flags.ignored.is_empty(), "{:?}", flags.ignored);
    }

    #[test]
    fn unknown_flags_are_warnings_and_explicit_mode_loads_named_models() {
        let flags = parse_flags(&args(&[
            "--model-repository",
            "/m",
            "--log-verbose=1",
            "--model-control-mode=explicit",
            "--load-model=simple",
        ]))
        .unwrap();
        assert_eq!(flags.ignored.len(), 1);
        let (config, warnings) = server_config(&flags).unwrap();
        assert_eq!(
            config.control,
            ModelControl::Explicit(vec!["simple".to_owned()])
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn the_control_modes_read_as_tritonserver_reads_them() {
        let control = |list: &[&str]| {
            let mut all = vec!["--model-repository=/m"];
            all.extend_from_slice(list);
            server_config(&parse_flags(&args(&all)).unwrap()).map(|(config, _)| config.control)
        };
        assert_eq!(control(&[]).unwrap(), ModelControl::None);
        assert_eq!(
            control(&["--model-control-mode=poll", "--repository-poll-secs=2"]).unwrap(),
            ModelControl::Poll(Duration::from_secs(2))
        );
        assert_eq!(
            control(&["--model-control-mode=EXPLICIT"]).unwrap(),
            ModelControl::Explicit(Vec::new())
        );
        let both = control(&[
            "--model-control-mode=explicit",
            "--load-model=*",
            "--load-model=simple",
        ])
        .unwrap_err();
        assert!(both.to_string().contains("only"), "{both}");
        assert!(control(&["--model-control-mode=sometimes"]).is_err());
    }
}
