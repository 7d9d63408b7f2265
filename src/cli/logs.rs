//! `seldon-local logs`: the containers' logs, merged, each line prefixed with its container.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use futures_util::stream::{self, StreamExt as _};

use super::args::LogsArgs;
use super::docker::{block_on, connect};
use super::{Context, ExitStatus};
use crate::output::log_prefix;
use crate::runtime::docker::{LogOptions, Selector};

pub(crate) fn run(args: &LogsArgs, ctx: &Context) -> Result<ExitStatus> {
    let selector = args
        .name
        .clone()
        .map_or(Selector::All, Selector::Deployment);
    if let Some(name) = &args.name
        && super::embedded::logs(name, args.container.as_deref(), args.tail, args.follow, ctx)?
    {
        return Ok(ExitStatus::Success);
    }
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let options = LogOptions {
        follow: args.follow,
        tail: args.tail,
        since,
    };
    block_on(async {
        let runtime = connect(ctx).await?;
        let streams = runtime
            .logs(&selector, args.container.as_deref(), &options)
            .await?;
        if streams.is_empty() {
            match &args.name {
                Some(name) => bail!("no containers of `{name}` found; is it up?"),
                None => bail!("no containers found; nothing is up"),
            }
        }
        let width = streams.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        let tagged = streams.into_iter().enumerate().map(|(i, (name, s))| {
            let prefix = log_prefix(&name, i, width);
            s.map(move |line| (prefix.clone(), line))
        });
        let mut merged = stream::select_all(tagged);
        while let Some((prefix, line)) = merged.next().await {
            let line = line?;
            ctx.printer.data(&format!("{prefix}{}", line.text));
        }
        Ok(ExitStatus::Success)
    })
}

/// `90`, `90s`, `10m`, `2h` (ago), or a Unix time (anything larger than a year of seconds).
fn parse_since(value: &str) -> Result<i64> {
    let (number, unit) = match value.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&value[..i], Some(c)),
        _ => (value, None),
    };
    let Ok(n) = number.parse::<i64>() else {
        bail!("`--since {value}`: expected seconds, a duration like `10m`, or a Unix time");
    };
    let seconds = match unit {
        None | Some('s') => n,
        Some('m') => n * 60,
        Some('h') => n * 3600,
        Some('d') => n * 86400,
        Some(_) => bail!("`--since {value}`: units are s, m, h, d"),
    };
    if unit.is_none() && seconds > 365 * 86400 {
        return Ok(seconds);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Ok(i64::try_from(now).unwrap_or(i64::MAX) - seconds)
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn since_takes_seconds_durations_and_unix_times() {
        let now = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap();
        assert!((now - 90 - parse_since("90").unwrap()).abs() <= 1);
        assert!((now - 600 - parse_since("10m").unwrap()).abs() <= 1);
        assert!((now - 7200 - parse_since("2h").unwrap()).abs() <= 1);
        assert_eq!(parse_since("1700000000").unwrap(), 1_700_000_000);
        assert!(parse_since("soon").is_err());
        assert!(parse_since("3w").is_err());
    }
}
