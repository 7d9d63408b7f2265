//! Renders an error and its chain once, at the edge:
//!
//! ```text
//! error: failed to read `sdep.yaml`
//!   caused by: No such file or directory (os error 2)
//!
//! hint: ...
//! ```

use std::fmt::Write as _;

use console::style;

/// Renders an error chain and optional hints as the text printed on stderr.
#[must_use]
pub fn render_error(chain: &[String], hints: &[String]) -> String {
    let mut out = String::new();
    let mut parts = chain.iter();
    if let Some(first) = parts.next() {
        let _ = writeln!(out, "{}: {first}", style("error").red().bold());
    }
    for cause in parts {
        for (i, line) in cause.lines().enumerate() {
            if i == 0 {
                let _ = writeln!(out, "  {}: {line}", style("caused by").red());
            } else {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    for hint in hints {
        let _ = write!(out, "\n{}: {hint}\n", style("hint").cyan().bold());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_render_as_caused_by_lines() {
        console::set_colors_enabled(false);
        let text = render_error(
            &["failed to read `x`".into(), "no such file".into()],
            &["check the path".into()],
        );
        assert_eq!(
            text,
            "error: failed to read `x`\n  caused by: no such file\n\nhint: check the path\n"
        );
    }
}
