//! Lists of JSON numbers read in one pass over their bytes, without a `Value` tree or a serde
//! visitor per number: the proxy checks that a request's list can be forwarded as text, the
//! model server reads one straight into its `f32` buffer. Each number is lexed once, in JSON's
//! grammar; the model server's value is exact (see `json_f64`). Anything these readers do not
//! take (`None`) goes to the general serde paths, which also explain errors.

/// The index after JSON whitespace (space, tab, LF, CR: not the form feed Rust's ASCII
/// whitespace also counts) from `at`.
pub(crate) fn after_ws(text: &[u8], mut at: usize) -> usize {
    while matches!(text.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// A number token in JSON's grammar (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`), taken
/// apart as it is checked.
#[derive(Debug, Clone, Copy)]
struct Lexed {
    /// The index after the token.
    end: usize,
    /// Whether it has a fraction or an exponent.
    float: bool,
    negative: bool,
    /// The digits without the point, as an integer (exact while `digits` <= 19).
    mantissa: u64,
    /// How many digits went into `mantissa` (a leading `0` of the integer part does not).
    digits: usize,
    /// The power of ten to scale `mantissa` by (saturating far beyond any `f64`).
    exponent: i64,
}

/// Folds the run of decimal digits at `at` into `mantissa` (wrapping: the caller counts the
/// digits); the index after the run.
#[inline]
fn digit_run(text: &[u8], mut at: usize, mantissa: &mut u64) -> usize {
    while let Some(&byte) = text.get(at) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
        at += 1;
    }
    at
}

/// Lexes the number token at `at`; `None` when the bytes there do not start one. A digit or
/// `.` may follow the token (`01`, `1.5.2`): the walk refuses those at the separator it expects.
#[allow(
    clippy::inline_always,
    reason = "measured: left to itself, rustc made this a call from each reader (json_number's \
              check then paid for the value it does not use, and for the returned struct), \
              144 instructions per number against 79 inlined (callgrind, an MNIST row)"
)]
#[inline(always)]
fn lex(text: &[u8], mut at: usize) -> Option<Lexed> {
    let mut first = *text.get(at)?;
    let negative = first == b'-';
    if negative {
        at += 1;
        first = *text.get(at)?;
    }
    let mut mantissa = 0;
    let start = at;
    // A lone leading `0` adds nothing to the mantissa.
    let mut digits = if first == b'0' {
        at += 1;
        0
    } else if first.wrapping_sub(b'1') < 9 {
        at = digit_run(text, at, &mut mantissa);
        at - start
    } else {
        return None;
    };
    let mut exponent = 0i64;
    let mut float = false;
    let mut next = text.get(at).copied();
    if next == Some(b'.') {
        float = true;
        let start = at + 1;
        at = digit_run(text, start, &mut mantissa);
        let run = at - start;
        if run == 0 {
            return None;
        }
        digits += run;
        // At most the body's length: far inside i64.
        exponent = -i64::try_from(run).ok()?;
        next = text.get(at).copied();
    }
    if matches!(next, Some(b'e' | b'E')) {
        float = true;
        at += 1;
        let negative = match text.get(at) {
            Some(b'-') => {
                at += 1;
                true
            }
            Some(b'+') => {
                at += 1;
                false
            }
            _ => false,
        };
        let start = at;
        let mut power: i64 = 0;
        while let Some(&byte @ b'0'..=b'9') = text.get(at) {
            power = (power * 10 + i64::from(byte - b'0')).min(1 << 40);
            at += 1;
        }
        if at == start {
            return None;
        }
        exponent += if negative { -power } else { power };
    }
    Some(Lexed {
        end: at,
        float,
        negative,
        mantissa,
        digits,
        exponent,
    })
}

/// The number token that starts at `at`, in JSON's grammar: its end and whether it has a
/// fraction or an exponent. What follows is the caller's to check (see `lex`).
pub(crate) fn json_number(text: &[u8], at: usize) -> Option<(usize, bool)> {
    lex(text, at).map(|lexed| (lexed.end, lexed.float))
}

/// Powers of ten an `f64` holds exactly (a `static`: indexing a `const` array copied all of it
/// onto the stack at every call).
static EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The number token at `at` and the `f64` serde_json reads for it (with `float_roundtrip`: the
/// correctly rounded value, `-0` as `-0.0`); `None` when it is not a token or no `f64` holds it
/// (`1e400`), as serde_json refuses it.
///
/// A mantissa of at most 2^53 scaled by at most 10^22 is exact in one multiplication or
/// division (both operands are exact, and IEEE rounds the one operation correctly: Clinger's
/// fast path); every other token goes to Rust's parse, which is correctly rounded too.
#[allow(
    clippy::inline_always,
    reason = "measured: rustc left this a call from the model server's reader (~20% more)"
)]
#[inline(always)]
pub(crate) fn json_f64(text: &[u8], at: usize) -> Option<(usize, f64)> {
    let lexed = lex(text, at)?;
    Some((lexed.end, lexed_f64(text, at, &lexed)?))
}

/// The value of the token `lexed` from `at`, as [`json_f64`] reads it.
#[allow(
    clippy::cast_precision_loss,
    reason = "the mantissa is at most 2^53 there: exact"
)]
#[allow(clippy::inline_always, reason = "one call site per reader, as `lex`")]
#[inline(always)]
fn lexed_f64(text: &[u8], at: usize, lexed: &Lexed) -> Option<f64> {
    let value = if lexed.digits <= 19 && lexed.mantissa <= 1 << 53 && lexed.exponent.abs() <= 22 {
        let power = EXACT_POWERS[lexed.exponent.unsigned_abs() as usize];
        let magnitude = if lexed.exponent >= 0 {
            lexed.mantissa as f64 * power
        } else {
            lexed.mantissa as f64 / power
        };
        if lexed.negative {
            -magnitude
        } else {
            magnitude
        }
    } else {
        // The token is ASCII: always a `str`.
        let value: f64 = std::str::from_utf8(&text[at..lexed.end])
            .ok()?
            .parse()
            .ok()?;
        if !value.is_finite() {
            return None;
        }
        value
    };
    Some(value)
}

/// What a walk does with each number of a list.
trait Leaves {
    /// Reads the number at `at` and returns its end, or `None` to refuse the list.
    fn number(&mut self, text: &[u8], at: usize) -> Option<usize>;
}

/// Leaves that are all integers or all fractions, and nothing else kept.
struct Uniform(Option<bool>);

impl Leaves for Uniform {
    #[inline]
    fn number(&mut self, text: &[u8], at: usize) -> Option<usize> {
        let (end, float) = json_number(text, at)?;
        (*self.0.get_or_insert(float) == float).then_some(end)
    }
}

/// Every leaf's value, as `f32`.
struct Floats(Vec<f32>);

impl Floats {
    /// Room for the numbers a list of `len` bytes can hold in its common form (`0.1234, `):
    /// fewer reallocations while reading, without reserving for the densest one (`1,`).
    fn for_text(len: usize) -> Self {
        Self(Vec::with_capacity(len / 6 + 1))
    }
}

impl Leaves for Floats {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "f64 to f32, as the general path"
    )]
    #[inline]
    fn number(&mut self, text: &[u8], at: usize) -> Option<usize> {
        let (end, value) = json_f64(text, at)?;
        self.0.push(value as f32);
        Some(end)
    }
}

/// Leaves read as [`Floats`] reads them, counting those with a fraction or exponent (the list
/// is uniform when none or all have one: counted rather than checked per number, which is
/// cheaper on this path).
struct UniformFloats {
    fractions: usize,
    floats: Floats,
}

impl Leaves for UniformFloats {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "f64 to f32, as the general path"
    )]
    #[inline]
    fn number(&mut self, text: &[u8], at: usize) -> Option<usize> {
        let lexed = lex(text, at)?;
        self.fractions += usize::from(lexed.float);
        self.floats.0.push(lexed_f64(text, at, &lexed)? as f32);
        Some(lexed.end)
    }
}

/// Whether `text` is a non-empty rectangular JSON list whose leaves are all integers or all
/// non-integers (numbers with a fraction or exponent). Checked with a byte scanner: no number is
/// converted and nothing is allocated per element.
pub(crate) fn uniform_numeric_list(text: &[u8]) -> bool {
    scan_numeric_list(text, 0).is_some_and(|end| after_ws(text, end) == text.len())
}

/// The end of the uniform numeric list (see [`uniform_numeric_list`]) that starts at `start`
/// (after any whitespace), validating JSON's grammar on the way; `None` if there is none.
pub(crate) fn scan_numeric_list(text: &[u8], start: usize) -> Option<usize> {
    walk(text, start, &mut Uniform(None)).map(|(end, _)| end)
}

/// The uniform numeric list at `start` as [`scan_numeric_list`] finds it, with its shape and
/// values as [`walk_f32`] reads them (no `f64` holds a number of it: `None`).
pub(crate) fn scan_numeric_list_f32(
    text: &[u8],
    start: usize,
) -> Option<(usize, Vec<usize>, Vec<f32>)> {
    let mut leaves = UniformFloats {
        fractions: 0,
        floats: Floats::for_text(text.len().saturating_sub(start)),
    };
    let (end, shape) = walk(text, start, &mut leaves)?;
    let count = leaves.floats.0.len();
    (leaves.fractions == 0 || leaves.fractions == count).then_some((end, shape, leaves.floats.0))
}

/// A whole text that is a non-empty rectangular JSON list of numbers (integers and fractions
/// mixed), read in one pass into its shape (list lengths from the outside in) and its values in
/// order, each the `f64` serde_json reads for it (`json_f64`) narrowed to `f32`. `None` for
/// anything else, a number no `f64` holds (`1e400`) included, so that the general path explains
/// it.
#[must_use]
pub fn numeric_list_f32(text: &str) -> Option<(Vec<usize>, Vec<f32>)> {
    let bytes = text.as_bytes();
    let (end, shape, values) = walk_f32(bytes, 0)?;
    (after_ws(bytes, end) == bytes.len()).then_some((shape, values))
}

/// The numeric list at `start` read as [`numeric_list_f32`] does: its end, shape and values.
pub(crate) fn walk_f32(text: &[u8], start: usize) -> Option<(usize, Vec<usize>, Vec<f32>)> {
    let mut floats = Floats::for_text(text.len().saturating_sub(start));
    let (end, shape) = walk(text, start, &mut floats)?;
    Some((end, shape, floats.0))
}

/// Walks the numeric list that starts at `start` (after any whitespace), checking JSON's
/// grammar and that it is rectangular, non-empty and has its numbers at one depth, each read by
/// `leaves`: the end of the list and its shape, or `None`.
fn walk(text: &[u8], start: usize, leaves: &mut impl Leaves) -> Option<(usize, Vec<usize>)> {
    // Deeper than any tensor: the general path (and serde's depth limit) decides.
    const MAX_DEPTH: usize = 64;
    // One loop, no recursion: this runs over every request body the proxy forwards.
    let mut at = after_ws(text, start);
    if text.get(at) != Some(&b'[') {
        return None;
    }
    // The element count of the first list closed at each depth, which every other must match.
    let mut shape: Vec<Option<usize>> = Vec::new();
    // The elements seen so far in each open list, outermost first.
    let mut open: Vec<usize> = Vec::new();
    let mut leaf_depth = None;
    loop {
        // A value, at depth `open.len()`.
        let depth = open.len();
        if depth > MAX_DEPTH {
            return None;
        }
        if text.get(at) == Some(&b'[') {
            open.push(0);
            at = after_ws(text, at + 1);
            if text.get(at) == Some(&b']') {
                return None; // empty lists take the general path
            }
            continue;
        }
        if depth == 0 || *leaf_depth.get_or_insert(depth) != depth {
            return None;
        }
        // A number: the innermost list is all numbers, read here in a tight loop.
        let mut count = 0;
        loop {
            at = leaves.number(text, at)?;
            count += 1;
            let mut next = text.get(at);
            if !matches!(next, Some(b',' | b']')) {
                at = after_ws(text, at);
                next = text.get(at);
            }
            match next {
                Some(b',') => {
                    at += 1;
                    // `, `: the common layout, then any other whitespace.
                    if text.get(at) == Some(&b' ') {
                        at += 1;
                    }
                    at = after_ws(text, at);
                }
                Some(b']') => break,
                _ => return None,
            }
        }
        *open.last_mut()? = count;
        // `at` is on a `]`: close that list, then every list that closes with it.
        loop {
            at += 1;
            let count = open.pop()?;
            let depth = open.len();
            if shape.len() <= depth {
                shape.resize(depth + 1, None);
            }
            if *shape[depth].get_or_insert(count) != count {
                return None;
            }
            let Some(parent) = open.last_mut() else {
                let shape = shape.into_iter().collect::<Option<Vec<_>>>()?;
                return Some((at, shape));
            };
            *parent += 1;
            at = after_ws(text, at);
            match text.get(at) {
                Some(b',') => {
                    at = after_ws(text, at + 1);
                    break;
                }
                Some(b']') => {}
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path and Rust's parse agree on every token the fast path takes, and the
    /// tokens it does not take still read as Rust reads them.
    #[test]
    fn numbers_read_as_rusts_correctly_rounded_parse() {
        for token in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "-1",
            "0.0134",
            "0.3294117748737335",
            "123456789",
            "9007199254740992",
            "9007199254740993",
            "9007199254740993.0",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "4.35e-5",
            "1E5",
            "1e+5",
            "-2.5e-0",
            "7e00",
            "0.1",
            "0.2",
            "0.3",
            "3.4028235e38",
            "2.2250738585072014e-308",
            "4.9e-324",
            "1e-400",
            "1.7976931348623157e308",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890",
            "0.1000000000000000055511151231257827",
            "0.00000000000000000000000000001",
            "1234567890123456789e-22",
            "12345678901234567890e-5",
        ] {
            let (end, value) = json_f64(token.as_bytes(), 0).unwrap_or_else(|| panic!("{token}"));
            assert_eq!(end, token.len(), "{token}");
            let want: f64 = token.parse().unwrap();
            assert_eq!(
                value.to_bits(),
                want.to_bits(),
                "{token}: {value} vs {want}"
            );
        }
        for token in [
            "1e400", "-1e400", "01", "1.", ".5", "+1", "-", "1e", "1e+", "1.5.2", "--1", "NaN",
        ] {
            // `01` and `1.5.2` read as `0` and `1.5` followed by more: the walk refuses them at
            // the separator (`lists_give_their_shape_and_values`).
            assert!(
                json_f64(token.as_bytes(), 0).is_none_or(|(end, _)| end < token.len()),
                "{token}"
            );
        }
    }

    /// Every short decimal an MNIST row carries (4 places), and a sweep of f32-printed values,
    /// read exactly as Rust reads them.
    #[test]
    fn a_sweep_of_decimals_reads_as_rusts_parse() {
        for i in 0..20_000u32 {
            for token in [
                format!("0.{i:04}"),
                format!("{}", f64::from(i) * 0.000_123_4),
                format!("{}", f64::from(f32::from_bits(0x3f80_0000 + i * 97))),
                format!("-{i}.{i}e-{}", i % 30),
            ] {
                let (_, value) = json_f64(token.as_bytes(), 0).unwrap_or_else(|| panic!("{token}"));
                let want: f64 = token.parse().unwrap();
                assert_eq!(value.to_bits(), want.to_bits(), "{token}");
            }
        }
    }

    #[test]
    fn lists_give_their_shape_and_values() {
        let (shape, values) = numeric_list_f32(" [[1, 2.5], [3e0,-4]] ").unwrap();
        assert_eq!(shape, [2, 2]);
        assert_eq!(values, [1.0, 2.5, 3.0, -4.0]);
        let (shape, _) = numeric_list_f32("[[[1],[2]],[[3],[4]],[[5],[6]]]").unwrap();
        assert_eq!(shape, [3, 2, 1]);
        for refused in [
            "[]",
            "[[]]",
            "[[1],[2,3]]",
            "[1,[2]]",
            "[[1],2]",
            "[1,]",
            "[1 2]",
            "[1]]",
            "[[1]",
            "1",
            "[1e400]",
            "[true]",
            "[\"1\"]",
            "[1] [2]",
            "[01]",
            "[1, 01]",
            "[1.5.2]",
            "[1.5e3.2, 1.0]",
            "[0 1]",
            "[1-2]",
        ] {
            assert!(numeric_list_f32(refused).is_none(), "{refused}");
        }
    }
}
