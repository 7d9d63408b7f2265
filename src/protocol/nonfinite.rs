//! `NaN`, `Infinity` and `-Infinity` as TensorFlow Serving writes them: not JSON, but what a
//! model answers when an input overflows float32. Upstream's Python proxy reads them (Python's
//! `json` accepts them) and writes them back, so a reply with one is a reply, not a 500.
//!
//! serde_json has no such numbers, so [`hide`] swaps each bare token for a sentinel number that
//! survives parsing and conversion, and [`restore`] swaps the sentinels' printed form back.

/// The sentinels: finite, far outside float32 and unlikely in real data.
const TOKENS: [(&str, f64); 3] = [
    ("-Infinity", -1.337_133_713_371_3e308),
    ("Infinity", 1.337_233_713_371_3e308),
    ("NaN", 1.337_333_713_371_3e308),
];

/// `json` with every bare `NaN`, `Infinity` and `-Infinity` (outside strings) replaced by a
/// sentinel number, or `None` when there is none (the common case: nothing is copied).
#[must_use]
pub fn hide(json: &[u8]) -> Option<Vec<u8>> {
    // Every token starts or goes on with `N` or `I`, which numeric replies never hold: one
    // pass without early exit (SIMD compares) settles most of them, before the exact scan.
    if !json
        .iter()
        .fold(false, |seen, &byte| seen | matches!(byte, b'N' | b'I'))
    {
        return None;
    }
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut at = 0;
    while at < json.len() {
        let byte = json[at];
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            at += 1;
            continue;
        }
        if byte == b'"' {
            in_string = true;
            at += 1;
            continue;
        }
        if let Some((token, sentinel)) = TOKENS
            .iter()
            .find(|(token, _)| json[at..].starts_with(token.as_bytes()))
        {
            let buffer = out.get_or_insert_with(|| Vec::with_capacity(json.len() + 64));
            buffer.extend_from_slice(&json[copied..at]);
            buffer.extend_from_slice(number_text(*sentinel).as_bytes());
            at += token.len();
            copied = at;
            continue;
        }
        at += 1;
    }
    let mut out = out?;
    out.extend_from_slice(&json[copied..]);
    Some(out)
}

/// `json` (as serde_json printed it) with the sentinels of [`hide`] written back as `NaN`,
/// `Infinity` and `-Infinity`.
#[must_use]
pub fn restore(json: &[u8]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(json).into_owned();
    for (token, sentinel) in TOKENS {
        text = text.replace(&number_text(sentinel), token);
    }
    text.into_bytes()
}

/// How serde_json prints `value`.
fn number_text(value: f64) -> String {
    serde_json::to_string(&value).expect("a finite f64 serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_non_finite_numbers_round_trip_and_strings_are_left_alone() {
        let reply =
            br#"{"predictions": [[NaN, -Infinity], [Infinity, 1.5]], "s": "NaN \" Infinity"}"#;
        let hidden = hide(reply).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&hidden).unwrap();
        let printed = serde_json::to_vec(&value["predictions"]).unwrap();
        assert_eq!(restore(&printed), b"[[NaN,-Infinity],[Infinity,1.5]]");
        assert_eq!(value["s"], "NaN \" Infinity");
    }

    #[test]
    fn a_reply_without_them_is_not_copied() {
        assert_eq!(hide(br#"{"predictions": [1.0, "NaN"]}"#), None);
    }
}
