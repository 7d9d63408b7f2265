//! `seldon-local logs NAME --requests`: the request log a deployment's sink stored (the events
//! the executor sent for nodes whose `logger` has no `url`), read from the sink over its host
//! port on either runtime.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use super::deployments::{self, Runtime};
use super::docker::connect;
use super::{Context, ExitStatus, block_on};
use crate::components::request_sink::StoredEvent;
use crate::plan::request_sink::{CONTAINER, PORT};
use crate::runtime::docker::Selector;

/// How often `-f` asks the sink for new events.
const POLL: Duration = Duration::from_millis(250);

pub(crate) fn run(
    name: Option<&str>,
    follow: bool,
    json: bool,
    ctx: &Context,
) -> Result<ExitStatus> {
    let deployment = deployments::one(name)?;
    let rows = match deployment.runtime {
        Runtime::Embedded => super::embedded::ps_rows(Some(&deployment.name))?,
        Runtime::Docker => block_on(async {
            let runtime = connect(ctx).await?;
            Ok(runtime
                .ps(&Selector::Deployment(deployment.name.clone()))
                .await?)
        })?,
    };
    let Some(port) = rows
        .iter()
        .filter(|r| r.container == CONTAINER)
        .flat_map(|r| &r.ports)
        .find(|(container, _)| *container == PORT)
        .map(|(_, host)| *host)
    else {
        bail!(
            "deployment `{}` has no request log: no graph node has a `logger` without a `url` \
             (those send to the cluster's default broker, which seldon-local plays)",
            deployment.name
        );
    };
    let url = format!("http://127.0.0.1:{port}/events");
    block_on(async {
        let client = reqwest::Client::builder()
            .tls_certs_only(Vec::<reqwest::Certificate>::new())
            .build()?;
        let mut after = 0usize;
        loop {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("deployment", &deployment.name)
                .append_pair("after", &after.to_string())
                .finish();
            let text = client
                .get(format!("{url}?{query}"))
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .with_context(|| format!("failed to read the request log from `{url}`"))?
                .text()
                .await?;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                after += 1;
                if json {
                    ctx.printer.data(line);
                } else if let Ok(event) = serde_json::from_str::<StoredEvent>(line) {
                    ctx.printer.data(&describe(&event));
                }
            }
            if !follow {
                return Ok(ExitStatus::Success);
            }
            tokio::time::sleep(POLL).await;
        }
    })
}

/// One line per event: time, kind, node, puid, data.
fn describe(event: &StoredEvent) -> String {
    let kind = event
        .attribute("type")
        .rsplit('.')
        .next()
        .unwrap_or_default();
    let data = if event.data_base64 {
        format!("(base64) {}", event.data.as_str().unwrap_or_default())
    } else {
        event.data.to_string()
    };
    format!(
        "{} {kind:<8} {} {} {data}",
        event.attribute("time"),
        event.attribute("modelid"),
        event.attribute("requestid"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_one_line_each() {
        let event: StoredEvent = serde_json::from_value(serde_json::json!({
            "received_ms": 1,
            "headers": {"ce-type": "io.seldon.serving.inference.response", "ce-time": "T",
                        "ce-modelid": "m", "ce-requestid": "p"},
            "data": {"data": {"ndarray": [1]}}
        }))
        .unwrap();
        assert_eq!(
            describe(&event),
            r#"T response m p {"data":{"ndarray":[1]}}"#
        );
    }
}
