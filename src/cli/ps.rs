//! `seldon-local ps`: the containers of running deployments on both runtimes. The default
//! table fits 100 columns (like `kubectl get`); `-o wide` adds pods, roles and full addresses,
//! `-o json|yaml` everything, `-a` the finished init containers and Docker's sandboxes.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use serde::Serialize;

use super::args::{PsArgs, PsFormat};
use super::docker::{block_on, connect};
use super::up::render_rows;
use super::{Context, ExitStatus};
use crate::runtime::docker::{PsRow, Selector};

/// The width the default table fits.
const WIDTH: usize = 100;

pub(crate) fn run(args: &PsArgs, ctx: &Context) -> Result<ExitStatus> {
    if let Some(name) = &args.name
        && super::deployments::named(name)?.is_empty()
    {
        return Err(super::deployments::NotRunning {
            name: name.clone(),
            running: super::deployments::all()?
                .into_iter()
                .filter(|d| !d.stale)
                .collect(),
        }
        .into());
    }
    let selector = args
        .name
        .clone()
        .map_or(Selector::All, Selector::Deployment);
    let mut rows = super::embedded::ps_rows(args.name.as_deref())?;
    for (dir, error) in super::embedded::damaged(args.name.as_deref())? {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let servers = crate::runtime::embedded::state::servers(&dir);
        let serving = match servers.as_slice() {
            [] => "no process serves it".to_owned(),
            pids => format!(
                "its server runs (pid {})",
                pids.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        ctx.printer.warning(format!(
            "`{name}` (embedded): {error:#}; {serving}; `seldon-local down {name}` stops it and \
             removes the state"
        ));
    }
    // Without a daemon there is nothing of Docker's to list; that is not an error.
    if super::docker::daemon_answers() {
        rows.extend(block_on(async {
            let runtime = connect(ctx).await?;
            Ok(runtime.ps(&selector).await?)
        })?);
    }
    if !args.all {
        rows.retain(|r| r.kind != "sandbox" && status(r) != "completed");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    match args.output {
        PsFormat::Json => {
            let views: Vec<View> = rows.iter().map(|r| View::of(r, now)).collect();
            ctx.printer.data(&serde_json::to_string_pretty(&views)?);
        }
        PsFormat::Yaml => {
            let views: Vec<View> = rows.iter().map(|r| View::of(r, now)).collect();
            ctx.printer.data(&crate::sdep::to_yaml(&views)?);
        }
        PsFormat::Table | PsFormat::Wide if rows.is_empty() => {
            ctx.printer.status("nothing", "is running");
        }
        PsFormat::Table => ctx.printer.data(&compact(&rows, now)),
        PsFormat::Wide => ctx.printer.data(&wide(&rows, now)),
    }
    Ok(ExitStatus::Success)
}

/// One word or two for what a container is doing (Docker's own status text is left out: it
/// repeats the state and the age).
fn status(row: &PsRow) -> String {
    match (row.state.as_str(), row.health.as_str()) {
        ("running", "ready") => "ready".to_owned(),
        ("running", "not ready") => "not ready".to_owned(),
        ("exited", _) if row.kind == "init" && row.exit_code == Some(0) => "completed".to_owned(),
        ("exited", _) => match row.exit_code {
            Some(code) => format!("exited ({code})"),
            None => "exited".to_owned(),
        },
        (state, _) => state.to_owned(),
    }
}

/// `45s`, `3m`, `2h`, `4d`, as kubectl prints ages.
fn age(created: Option<i64>, now: i64) -> String {
    let Some(created) = created else {
        return "-".to_owned();
    };
    let seconds = (now - created).max(0);
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// The pod's own part of its name: `tf1` of `mnist-graph-default-1-tf1`.
pub(crate) fn short_pod(deployment: &str, pod: &str) -> String {
    let rest = pod
        .strip_prefix(deployment)
        .and_then(|r| r.strip_prefix('-'))
        .unwrap_or(pod);
    let parts: Vec<&str> = rest.split('-').collect();
    match parts
        .iter()
        .position(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        Some(at) if at + 1 < parts.len() => parts[at + 1..].join("-"),
        _ => rest.to_owned(),
    }
}

/// The container's name, with its pod when pods of the deployment share that name.
fn container_name(row: &PsRow, rows: &[PsRow]) -> String {
    let shared = rows
        .iter()
        .filter(|r| r.deployment == row.deployment && r.container == row.container)
        .count()
        > 1;
    if shared {
        format!("{}@{}", row.container, short_pod(&row.deployment, &row.pod))
    } else {
        row.container.clone()
    }
}

fn compact(rows: &[PsRow], now: i64) -> String {
    let mut table = vec![[
        "DEPLOYMENT".to_owned(),
        "CONTAINER".to_owned(),
        "RUNTIME".to_owned(),
        "STATUS".to_owned(),
        "RESTARTS".to_owned(),
        "AGE".to_owned(),
        "PORTS".to_owned(),
    ]];
    for row in rows {
        let ports: Vec<String> = row
            .ports
            .iter()
            .map(|(port, host)| format!("{host}->{port}"))
            .collect();
        table.push([
            row.deployment.clone(),
            container_name(row, rows),
            row.runtime.clone(),
            status(row),
            row.restarts.to_string(),
            age(row.created, now),
            ports.join(","),
        ]);
    }
    // Every column but the ports keeps its width; the ports are cut to what is left.
    let fixed: usize = (0..6)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
                + 2
        })
        .sum();
    let room = WIDTH.saturating_sub(fixed).max(12);
    for row in table.iter_mut().skip(1) {
        row[6] = fit(&row[6], room);
    }
    render_rows(&table)
}

/// Cuts a comma-separated list at a comma so that it fits `room`, marking the cut with `…`.
fn fit(list: &str, room: usize) -> String {
    if list.chars().count() <= room {
        return list.to_owned();
    }
    let mut out = String::new();
    for item in list.split(',') {
        let next = if out.is_empty() {
            item.to_owned()
        } else {
            format!("{out},{item}")
        };
        if next.chars().count() + 2 > room {
            break;
        }
        out = next;
    }
    format!("{out},…")
}

fn wide(rows: &[PsRow], now: i64) -> String {
    let mut table = vec![[
        "DEPLOYMENT".to_owned(),
        "POD".to_owned(),
        "CONTAINER".to_owned(),
        "ROLE".to_owned(),
        "RUNTIME".to_owned(),
        "STATUS".to_owned(),
        "RESTARTS".to_owned(),
        "AGE".to_owned(),
        "PORTS".to_owned(),
    ]];
    for row in rows {
        let ports: Vec<String> = row
            .ports
            .iter()
            .map(|(port, host)| format!("127.0.0.1:{host}->{port}"))
            .collect();
        table.push([
            row.deployment.clone(),
            row.pod.clone(),
            row.container.clone(),
            row.role.clone(),
            row.runtime.clone(),
            status(row),
            row.restarts.to_string(),
            age(row.created, now),
            ports.join(", "),
        ]);
    }
    render_rows(&table)
}

/// A container as `-o json|yaml` prints it.
#[derive(Debug, Serialize)]
struct View<'a> {
    deployment: &'a str,
    runtime: &'a str,
    pod: &'a str,
    container: &'a str,
    kind: &'a str,
    role: &'a str,
    state: &'a str,
    status: String,
    /// Docker's status text, or how an embedded container is played.
    detail: &'a str,
    ready: bool,
    restarts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    age_seconds: Option<i64>,
    ports: Vec<Port>,
}

/// A published port (named as Kubernetes and Docker name them).
#[derive(Debug, Serialize)]
#[allow(clippy::struct_field_names)]
struct Port {
    container_port: u16,
    host_ip: &'static str,
    host_port: u16,
}

impl<'a> View<'a> {
    fn of(row: &'a PsRow, now: i64) -> Self {
        Self {
            deployment: &row.deployment,
            runtime: &row.runtime,
            pod: &row.pod,
            container: &row.container,
            kind: &row.kind,
            role: &row.role,
            state: &row.state,
            status: status(row),
            detail: &row.status,
            ready: row.health == "ready",
            restarts: row.restarts,
            exit_code: row.exit_code,
            created: row.created,
            age_seconds: row.created.map(|c| (now - c).max(0)),
            ports: row
                .ports
                .iter()
                .map(|(port, host)| Port {
                    container_port: *port,
                    host_ip: "127.0.0.1",
                    host_port: *host,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_are_shortened_to_their_own_part() {
        assert_eq!(short_pod("mnist-graph", "mnist-graph-default-1-tf1"), "tf1");
        assert_eq!(
            short_pod("mnist-graph", "mnist-graph-default-0-scale-mean"),
            "scale-mean"
        );
        assert_eq!(short_pod("x", "other"), "other");
    }

    #[test]
    fn ages_read_like_kubectls() {
        assert_eq!(age(Some(100), 145), "45s");
        assert_eq!(age(Some(0), 600), "10m");
        assert_eq!(age(Some(0), 3 * 86400), "3d");
        assert_eq!(age(None, 1), "-");
    }

    #[test]
    fn port_lists_are_cut_at_a_comma() {
        assert_eq!(fit("1->2,3->4,5->6", 30), "1->2,3->4,5->6");
        assert_eq!(fit("11111->2,33333->4,55555->6", 20), "11111->2,33333->4,…");
    }
}
