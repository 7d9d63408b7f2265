//! The shared front half of every command that takes a SeldonDeployment: read the file, build
//! the operator configuration, load, report diagnostics, validate.

use std::io::Read as _;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::Context;
use super::args::SdepArgs;
use crate::sdep::{self, Diagnostic, OperatorConfig, Severity, Validated, Violations};

/// One document of the input after validation.
pub(crate) struct Checked {
    /// Where the document came from, for messages (`sdep.yaml#1` for the second document).
    pub(crate) origin: String,
    /// `metadata.name` as written.
    pub(crate) name: String,
    /// The verdict.
    pub(crate) verdict: Result<Validated, Violations>,
}

/// Reads the input named on the command line (`-` is stdin, read once: a second read returns
/// the same text, so `up -d -` can hand the document to its background process).
pub(crate) fn read_input(path: &Path) -> Result<(String, String)> {
    static STDIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if path == Path::new("-") {
        if let Some(text) = STDIN.get() {
            return Ok((text.clone(), "<stdin>".to_owned()));
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("failed to read stdin")?;
        let text = STDIN.get_or_init(|| text).clone();
        return Ok((text, "<stdin>".to_owned()));
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    Ok((text, path.display().to_string()))
}

/// The operator configuration the arguments ask for.
pub(crate) fn operator_config(args: &SdepArgs) -> Result<OperatorConfig> {
    let mut config = OperatorConfig::embedded(args.seldon_version);
    if let Some(path) = &args.config {
        let (text, name) = read_input(path)?;
        let value = sdep::load_config_text(&text, &name)?;
        config.overlay(&value, &name)?;
    }
    Ok(config)
}

/// Loads and validates every SeldonDeployment of the input, printing load diagnostics.
pub(crate) fn check(args: &SdepArgs, ctx: &Context) -> Result<Vec<Checked>> {
    let config = operator_config(args)?;
    let (text, source) = read_input(&args.file)?;
    let loaded = sdep::load(&text, &source)?;
    print_diagnostics(ctx, &loaded.diagnostics, &source);
    let multi = loaded.documents.len() > 1;
    let mut checked = Vec::new();
    let mut strict_failures = 0;
    for document in loaded.documents {
        let origin = if multi {
            format!("{source}#{}", document.index)
        } else {
            source.clone()
        };
        print_diagnostics(ctx, &document.diagnostics, &origin);
        if args.strict
            && document
                .diagnostics
                .iter()
                .any(|d| d.severity <= Severity::Warning)
        {
            strict_failures += 1;
        }
        let mut sdep = document.sdep;
        if let Some(namespace) = &args.namespace
            && sdep
                .metadata
                .namespace
                .as_deref()
                .unwrap_or_default()
                .is_empty()
        {
            sdep.metadata.namespace = Some(namespace.clone());
        }
        let name = sdep.name().to_owned();
        checked.push(Checked {
            origin,
            name,
            verdict: sdep::validate(sdep, &config),
        });
    }
    if strict_failures > 0 {
        anyhow::bail!(StrictFailure {
            count: strict_failures
        });
    }
    Ok(checked)
}

/// `--strict` turned warnings into an error.
#[derive(Debug, thiserror::Error)]
#[error("{count} document{} rejected because of warnings (`--strict`)", if *.count == 1 { "" } else { "s" })]
pub(crate) struct StrictFailure {
    pub(crate) count: usize,
}

fn print_diagnostics(ctx: &Context, diagnostics: &[Diagnostic], origin: &str) {
    for diagnostic in diagnostics {
        match diagnostic.severity {
            Severity::Error | Severity::Warning => {
                ctx.printer.warning(format!("{origin}: {diagnostic}"));
            }
            Severity::Note => ctx.printer.note(format!("{origin}: {diagnostic}")),
        }
    }
}
