//! `f32` values written as Rust's `{:?}` writes them (the model server's TF Serving number
//! format: `0.0012`, `3.0`, `1e-7`, `1.5e16`), from ryu's shortest digits. ryu finds the same
//! shortest round-trip digits as core's formatter in a fraction of the time (core's took about
//! 1,200 instructions a float on the model server's replies), but lays them out its own way and
//! breaks a tie between two shortest texts towards the even digit, where `{:?}` rounds up.

/// Appends a finite `value` exactly as `write!(out, "{value:?}")` would (every `f32` is checked
/// against it by the unit test's sweep; the whole `f32` range was checked once).
pub fn write_f32(out: &mut String, value: f32) {
    let mut buffer = ryu::Buffer::new();
    let Some(mut shortest) = Shortest::read(buffer.format_finite(value)) else {
        // Not ryu's layout (never seen): core's formatter is always right.
        let _ = std::fmt::Write::write_fmt(out, format_args!("{value:?}"));
        return;
    };
    let abs = value.abs();
    if let Some(exact) = exact_digits(abs)
        && exact % 10 == 5
        && exact / 10 == shortest.integer()
    {
        // The exact value lies halfway between the written digits and the next ones up: ryu
        // kept the even last digit, `{:?}` takes the upper one (no carry: that digit is even).
        shortest.digits[shortest.len - 1] += 1;
    }
    if shortest.negative {
        out.push('-');
    }
    // `{:?}`'s choice, on the value in its own type: plain from 1e-4 to below 1e16.
    let plain = abs < 1e16 && (abs == 0.0 || abs >= 1e-4);
    shortest.write(out, plain);
}

/// A shortest decimal: `0.DIGITS x 10^point`, no leading or trailing zeros in `digits`.
struct Shortest {
    negative: bool,
    digits: [u8; 24],
    len: usize,
    point: i32,
}

impl Shortest {
    /// Reads ryu's text (`-`, digits with one `.`, and `e` with an optional `-` for the
    /// exponent), or `None` for anything else.
    fn read(text: &str) -> Option<Self> {
        let text = text.as_bytes();
        let (negative, body) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let (mantissa, exponent) = match body.iter().position(|&b| b == b'e') {
            Some(at) => {
                let (sign, digits) = match &body[at + 1..] {
                    [b'-', rest @ ..] => (-1, rest),
                    rest => (1, rest),
                };
                if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let value = digits
                    .iter()
                    .fold(0i32, |v, d| v * 10 + i32::from(d - b'0'));
                (&body[..at], sign * value)
            }
            None => (body, 0),
        };
        let int_len = mantissa
            .iter()
            .position(|&b| b == b'.')
            .unwrap_or(mantissa.len());
        let mut shortest = Self {
            negative,
            digits: [0; 24],
            len: 0,
            point: i32::try_from(int_len).ok()? + exponent,
        };
        for (at, &byte) in mantissa.iter().enumerate() {
            if at == int_len {
                continue;
            }
            if !byte.is_ascii_digit() {
                return None;
            }
            if shortest.len == 0 && byte == b'0' {
                shortest.point -= 1;
                continue;
            }
            *shortest.digits.get_mut(shortest.len)? = byte;
            shortest.len += 1;
        }
        while shortest.len > 0 && shortest.digits[shortest.len - 1] == b'0' {
            shortest.len -= 1;
        }
        Some(shortest)
    }

    /// The digits as an integer.
    fn integer(&self) -> u128 {
        self.digits[..self.len]
            .iter()
            .fold(0, |v, d| v * 10 + u128::from(d - b'0'))
    }

    /// Writes the digits (the sign is written already) plain or with an exponent, as `{:?}`.
    fn write(&self, out: &mut String, plain: bool) {
        let digits = &self.digits[..self.len];
        let push =
            |out: &mut String, bytes: &[u8]| out.extend(bytes.iter().map(|&b| char::from(b)));
        if digits.is_empty() {
            out.push_str("0.0");
            return;
        }
        if !plain {
            push(out, &digits[..1]);
            if digits.len() > 1 {
                out.push('.');
                push(out, &digits[1..]);
            }
            out.push('e');
            let _ = std::fmt::Write::write_fmt(out, format_args!("{}", self.point - 1));
            return;
        }
        match usize::try_from(self.point) {
            // 0.000DIGITS
            Err(_) | Ok(0) => {
                out.push_str("0.");
                for _ in 0..self.point.unsigned_abs() {
                    out.push('0');
                }
                push(out, digits);
            }
            // DI.GITS
            Ok(point) if point < digits.len() => {
                push(out, &digits[..point]);
                out.push('.');
                push(out, &digits[point..]);
            }
            // DIGITS000.0
            Ok(point) => {
                push(out, digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            }
        }
    }
}

/// The exact decimal digits of a finite, nonzero `abs` without trailing zeros, when there are at
/// most 10 of them: only then can two shortest texts (at most 9 digits for an `f32`) tie.
fn exact_digits(abs: f32) -> Option<u128> {
    let bits = abs.to_bits();
    let biased = i32::try_from(bits >> 23).ok()?;
    let fraction = bits & 0x7f_ffff;
    let (mut mantissa, mut exponent) = if biased == 0 {
        (fraction, -149)
    } else {
        (fraction | 0x80_0000, biased - 150)
    };
    if mantissa == 0 {
        return None;
    }
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    exponent += i32::try_from(zeros).ok()?;
    // value = mantissa * 2^exponent, mantissa odd. Below 2^-14, mantissa * 5^-exponent (the
    // exact digits, with no trailing zero since mantissa is odd) has more than 10 digits.
    let mut exact = match u32::try_from(exponent) {
        Ok(up) => u128::from(mantissa) << up,
        Err(_) if exponent >= -14 => u128::from(mantissa) * 5u128.pow(exponent.unsigned_abs()),
        Err(_) => return None,
    };
    while exact % 10 == 0 {
        exact /= 10;
    }
    (exact < 10_000_000_000).then_some(exact)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn both(value: f32) -> (String, String) {
        let mut ours = String::new();
        write_f32(&mut ours, value);
        let mut core = String::new();
        write!(core, "{value:?}").unwrap();
        (ours, core)
    }

    #[test]
    fn floats_are_written_as_debug_writes_them() {
        let mut cases = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            100.0,
            0.1,
            1e-4,
            1e-5,
            9.999e-5,
            1e15,
            1e16,
            9.999_999e15,
            // Ties: 1916.28125 and 2719.53125 exactly (ryu writes 1916.2812, `{:?}` 1916.2813).
            f32::from_bits(0x44ef_8900),
            f32::from_bits(0x4529_f880),
            18_106.062,
            0.000_345_678_9,
            3.402_823_5e38,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::MAX,
            f32::MIN,
            f32::EPSILON,
        ];
        for value in [1e-4f32, 1e16f32] {
            cases.push(f32::from_bits(value.to_bits() - 1));
            cases.push(f32::from_bits(value.to_bits() + 1));
        }
        for value in cases {
            let (ours, core) = both(value);
            assert_eq!(ours, core, "{value:e}");
        }
    }

    /// A sweep of the bit patterns, ties (`1916.28125`) and both layouts included.
    #[test]
    fn a_sweep_of_every_kind_of_f32_matches_debug() {
        let mut bits = 0u32;
        let mut checked = 0;
        while let Some(next) = bits.checked_add(9_973) {
            let value = f32::from_bits(bits);
            if value.is_finite() {
                let (ours, core) = both(value);
                assert_eq!(ours, core, "{bits:#x}");
                checked += 1;
            }
            bits = next;
        }
        assert!(checked > 400_000, "{checked}");
    }
}
