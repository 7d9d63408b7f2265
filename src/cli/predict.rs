//! `seldon-local predict`: one prediction, or load.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use bytes::Bytes;

use super::args::{FeedbackArgs, InputArgs, MetadataArgs, PredictArgs};
use super::{Context, ExitStatus};
use crate::client::{
    self, Client, GrpcCall, GrpcClient, Input, LoadSettings, Protocol, Request, Sender,
};
use crate::output::colour_json;

pub(crate) fn run(args: &PredictArgs, ctx: &Context) -> Result<ExitStatus> {
    // Finding the deployment may ask Docker on a runtime of its own: do it before ours starts.
    let resolved = super::target::resolve(&args.target)?;
    super::block_on(send(args, ctx, resolved))
}

async fn send(
    args: &PredictArgs,
    ctx: &Context,
    resolved: super::target::Resolved,
) -> Result<ExitStatus> {
    let target = &args.target;
    let protocol: Protocol = resolved.protocol.parse()?;
    let input = read_input(&args.input)?;
    let sender = if target.transport == "grpc" {
        let client = GrpcClient::new(&resolved.base, target.timeout, target.unit.is_some())?;
        let call = match protocol {
            Protocol::Tensorflow => {
                let body = client::predict_body(&input, &args.names, protocol)?;
                let (request, format) = client.tensorflow_request(&resolved.model, &body).await?;
                GrpcCall::TfPredict(request, format)
            }
            Protocol::V2 => {
                let body = client::predict_body(&input, &args.names, protocol)?;
                GrpcCall::V2Infer(client::v2_request(&resolved.model, &body)?)
            }
            Protocol::Seldon => GrpcCall::Predict(client::seldon_message(&input, &args.names)?),
        };
        Sender::Grpc(client, call)
    } else {
        let body = client::predict_body(&input, &args.names, protocol)?;
        let request = Request {
            path: client::predict_path(protocol, &resolved.model, target.unit.is_some()),
            body: Some(body),
        };
        let connections = args.concurrency.max(1);
        Sender::Rest(
            Client::new(&resolved.base, target.timeout, connections)?,
            request,
        )
    };
    if args.repeat.is_some() || args.duration.is_some() {
        return load(&sender, args, ctx).await;
    }
    let response = sender.send().await?;
    finish(ctx, &sender, &response)
}

/// Shows the answer; a failure also goes to stderr with its status.
#[allow(clippy::unnecessary_wraps)] // the same shape as the other endings of `run`
fn finish(ctx: &Context, sender: &Sender, response: &client::Response) -> Result<ExitStatus> {
    if let Some(code) = response.grpc.filter(|c| *c != tonic::Code::Ok) {
        ctx.printer.error(format!(
            "`{}` answered {code:?}: {}",
            sender.describe(),
            String::from_utf8_lossy(&response.body)
        ));
        return Ok(ExitStatus::Failure);
    }
    show_response(ctx, &response.body);
    if response.is_success() {
        Ok(ExitStatus::Success)
    } else {
        ctx.printer.error(format!(
            "`{}` answered {} in {:.1} ms",
            sender.describe(),
            response.status,
            response.elapsed.as_secs_f64() * 1e3
        ));
        Ok(ExitStatus::Failure)
    }
}

/// `seldon-local feedback`: one Feedback message to the executor (or a unit).
pub(crate) fn feedback(args: &FeedbackArgs, ctx: &Context) -> Result<ExitStatus> {
    let resolved = super::target::resolve(&args.target)?;
    let body = match (&args.json, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => super::pipeline::read_input(path)?.0,
        (None, None) => anyhow::bail!("pass `--json BODY` or `--file PATH`"),
    };
    if args.target.transport == "grpc" {
        let call = GrpcCall::Feedback(client::grpc_feedback(body.as_bytes())?);
        // A channel is made inside the runtime: tonic spawns its connection task there.
        return super::block_on(async {
            let client = GrpcClient::new(
                &resolved.base,
                args.target.timeout,
                args.target.unit.is_some(),
            )?;
            send_sender(ctx, Sender::Grpc(client, call)).await
        });
    }
    let request = Request {
        path: client::feedback_path(args.target.unit.is_some()),
        body: Some(Bytes::from(body)),
    };
    super::block_on(send_once(ctx, &resolved.base, args.target.timeout, request))
}

/// `seldon-local metadata`: the graph's or a unit's metadata.
pub(crate) fn metadata(args: &MetadataArgs, ctx: &Context) -> Result<ExitStatus> {
    let resolved = super::target::resolve(&args.target)?;
    let protocol: Protocol = resolved.protocol.parse()?;
    if args.target.transport == "grpc" {
        let call = match protocol {
            Protocol::Tensorflow => GrpcCall::TfMetadata(resolved.model.clone()),
            Protocol::V2 => GrpcCall::V2Metadata(resolved.model.clone()),
            Protocol::Seldon => GrpcCall::Metadata,
        };
        return super::block_on(async {
            let client = GrpcClient::new(
                &resolved.base,
                args.target.timeout,
                args.target.unit.is_some(),
            )?;
            send_sender(ctx, Sender::Grpc(client, call)).await
        });
    }
    let request = Request {
        path: client::metadata_path(protocol, &resolved.model, args.target.unit.is_some()),
        body: None,
    };
    super::block_on(send_once(ctx, &resolved.base, args.target.timeout, request))
}

async fn send_once(
    ctx: &Context,
    base: &str,
    timeout: std::time::Duration,
    request: Request,
) -> Result<ExitStatus> {
    let client = Client::new(base, timeout, 1)?;
    send_sender(ctx, Sender::Rest(client, request)).await
}

async fn send_sender(ctx: &Context, sender: Sender) -> Result<ExitStatus> {
    let response = sender.send().await?;
    finish(ctx, &sender, &response)
}

fn read_input(input: &InputArgs) -> Result<Input> {
    if let Some(text) = &input.ndarray {
        return Ok(Input::ndarray(text)?);
    }
    if let Some(text) = &input.tensor {
        return Ok(Input::tensor(text)?);
    }
    if let Some(text) = &input.json {
        return Ok(Input::Raw(Bytes::from(text.clone())));
    }
    let path = input
        .file
        .as_ref()
        .context("one of --ndarray, --tensor, --json, --file is needed")?;
    let (text, _) = super::pipeline::read_input(path)?;
    Ok(Input::Raw(Bytes::from(text)))
}

/// Pretty, coloured JSON on a terminal; the raw bytes for scripts.
fn show_response(ctx: &Context, body: &[u8]) {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) if ctx.printer.stdout_is_terminal() => ctx.printer.data(&colour_json(&value)),
        _ => ctx.printer.data(&String::from_utf8_lossy(body)),
    }
}

async fn load(sender: &Sender, args: &PredictArgs, ctx: &Context) -> Result<ExitStatus> {
    let settings = LoadSettings {
        requests: args.repeat,
        duration: args.duration,
        concurrency: args.concurrency.max(1),
    };
    let bar = ctx.printer.progress(args.repeat, "predict");
    let ticker = bar.clone();
    let report =
        client::run_load(sender, settings, Arc::new(move |n| ticker.set_position(n))).await;
    bar.finish_and_clear();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let mut text = format!(
        "requests: {} sent, {} succeeded, {} failed in {:.2} s at concurrency {}\n\
         throughput: {}\n\
         latency: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        report.sent,
        report.succeeded,
        report.sent - report.succeeded,
        report.elapsed.as_secs_f64(),
        settings.concurrency,
        crate::output::rate(report.requests_per_second()),
        ms(report.p50),
        ms(report.p90),
        ms(report.p99),
        ms(report.max),
    );
    if !report.errors.is_empty() {
        let errors: Vec<String> = report
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        text.push_str("\nerrors: ");
        text.push_str(&errors.join(", "));
        if let Some(sample) = &report.sample_error {
            text.push_str("\nfirst error: ");
            text.push_str(sample);
        }
    }
    ctx.printer.data(&text);
    Ok(if report.errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
