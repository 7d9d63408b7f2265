//! JSON for people: indented and coloured on a terminal.

use console::style;
use serde_json::Value;

/// Pretty-prints JSON with colours (keys cyan, strings green, numbers yellow, literals magenta).
#[must_use]
pub fn colour(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out
}

fn write_value(value: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (key, item)) in map.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(
                    &style(Value::String(key.clone()).to_string())
                        .cyan()
                        .to_string(),
                );
                out.push_str(": ");
                write_value(item, depth + 1, out);
                if i + 1 < map.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            // Short rows of scalars stay on one line, as people read tensors.
            if items.iter().all(|i| !i.is_object() && !i.is_array()) && items.len() <= 16 {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_value(item, depth, out);
                }
                out.push(']');
                return;
            }
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write_value(item, depth + 1, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::String(_) => out.push_str(&style(value.to_string()).green().to_string()),
        Value::Number(_) => out.push_str(&style(value.to_string()).yellow().to_string()),
        Value::Bool(_) | Value::Null => {
            out.push_str(&style(value.to_string()).magenta().to_string());
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_indented_with_short_rows_on_one_line() {
        console::set_colors_enabled(false);
        let value = serde_json::json!({"data": {"ndarray": [[0.1, 0.9]], "names": []}, "ok": true});
        assert_eq!(
            colour(&value),
            "{\n  \"data\": {\n    \"names\": [],\n    \"ndarray\": [\n      [0.1, 0.9]\n    ]\n  },\n  \"ok\": true\n}"
        );
    }
}
