//! PURE: the framework version a saved model records, read from its bytes.
//!
//! - scikit-learn: every estimator pickles its `_sklearn_version`; `model.joblib` is a pickle,
//!   possibly zlib- or gzip-compressed by joblib (the caller decompresses, see
//!   [`decompressed`]).
//! - XGBoost: a JSON or UBJSON model (`save_model`) carries `"version": [major, minor, patch]`;
//!   the old binary format records none.
//! - MLflow: `MLmodel` has a top-level `mlflow_version:` line.

use std::collections::BTreeSet;
use std::io::Read as _;

/// The key scikit-learn pickles its version under.
const SKLEARN_KEY: &[u8] = b"_sklearn_version";

/// The scikit-learn versions a pickle records (one per distinct version; a pipeline saved
/// by one scikit-learn has one).
#[must_use]
pub fn sklearn_versions(pickle: &[u8]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut at = 0;
    while let Some(offset) = find(&pickle[at..], SKLEARN_KEY) {
        let after = at + offset + SKLEARN_KEY.len();
        if let Some(version) = pickled_string(&pickle[after..]) {
            found.insert(version);
        }
        at = after;
    }
    found
}

/// The pickle opcodes after a key: memo puts, then the value (a short or long unicode string).
fn pickled_string(mut bytes: &[u8]) -> Option<String> {
    loop {
        match bytes.first()? {
            // MEMOIZE
            0x94 => bytes = &bytes[1..],
            // BINPUT n
            b'q' => bytes = bytes.get(2..)?,
            // LONG_BINPUT nnnn
            b'r' => bytes = bytes.get(5..)?,
            _ => break,
        }
    }
    let (len, rest) = match bytes.first()? {
        // SHORT_BINUNICODE, SHORT_BINSTRING
        0x8c | b'U' => (usize::from(*bytes.get(1)?), bytes.get(2..)?),
        // BINUNICODE, BINSTRING
        b'X' | b'T' => {
            let len = u32::from_le_bytes(bytes.get(1..5)?.try_into().ok()?);
            (usize::try_from(len).ok()?, bytes.get(5..)?)
        }
        _ => return None,
    };
    let text = std::str::from_utf8(rest.get(..len)?).ok()?;
    is_version(text).then(|| text.to_owned())
}

/// `1.5.2`, `0.24.2`, `1.6.dev0`: digits and dots first, short.
fn is_version(text: &str) -> bool {
    text.len() <= 32
        && text.starts_with(|c: char| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
}

/// A joblib file's pickle: zlib- and gzip-compressed files (joblib's `compress=`) are inflated,
/// others returned as they are. `None` when a compressed file does not inflate.
#[must_use]
pub fn decompressed(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match bytes {
        [0x1f, 0x8b, ..] => flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .ok()?,
        // A zlib header: CMF 0x78 and a check byte that makes the pair a multiple of 31.
        [0x78, flags, ..] if (0x7800 + u16::from(*flags)) % 31 == 0 => {
            flate2::read::ZlibDecoder::new(bytes)
                .read_to_end(&mut out)
                .ok()?
        }
        _ => return Some(bytes.to_vec()),
    };
    Some(out)
}

/// The XGBoost version a JSON or UBJSON model records.
#[must_use]
pub fn xgboost_version(model: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(model) {
        let parts = value.get("version")?.as_array()?;
        let numbers: Vec<String> = parts
            .iter()
            .map(|p| p.as_u64().map(|n| n.to_string()))
            .collect::<Option<_>>()?;
        return (!numbers.is_empty()).then(|| numbers.join("."));
    }
    ubjson_version(model)
}

/// `"version"` in UBJSON: the key (length-prefixed), then an array of integers, either plain
/// (`[ i1 i2 i3 ]`) or typed (`[ $ T # n v1 v2 v3`).
fn ubjson_version(model: &[u8]) -> Option<String> {
    if model.first() != Some(&b'{') && model.first() != Some(&b'[') {
        // UBJSON starts with `{` too; anything else is the old binary format.
        return None;
    }
    // The top-level key comes last, after the learner (whose feature names could hold the word).
    let key = model
        .windows(b"version".len())
        .rposition(|w| w == b"version")?;
    let mut rest = model.get(key + b"version".len()..)?;
    if rest.first()? != &b'[' {
        return None;
    }
    rest = &rest[1..];
    let mut typed = None;
    let mut count = None;
    if rest.first()? == &b'$' {
        typed = Some(*rest.get(1)?);
        rest = rest.get(2..)?;
    }
    if rest.first()? == &b'#' {
        let (n, after) = ubjson_int(rest.get(1..)?, None)?;
        count = Some(usize::try_from(n).ok()?);
        rest = after;
    }
    let mut numbers = Vec::new();
    loop {
        if count.is_some_and(|n| numbers.len() == n) || (count.is_none() && rest.first()? == &b']')
        {
            break;
        }
        let (n, after) = ubjson_int(rest, typed)?;
        numbers.push(n.to_string());
        rest = after;
        if numbers.len() > 8 {
            return None;
        }
    }
    (!numbers.is_empty()).then(|| numbers.join("."))
}

/// One UBJSON integer (its marker given by a typed container, or read first).
fn ubjson_int(bytes: &[u8], typed: Option<u8>) -> Option<(i64, &[u8])> {
    let (marker, rest) = match typed {
        Some(marker) => (marker, bytes),
        None => (*bytes.first()?, bytes.get(1..)?),
    };
    let width = match marker {
        b'i' | b'U' => 1,
        b'I' => 2,
        b'l' => 4,
        b'L' => 8,
        _ => return None,
    };
    let raw = rest.get(..width)?;
    let value = match marker {
        b'i' => i64::from(i8::from_be_bytes([raw[0]])),
        b'U' => i64::from(raw[0]),
        b'I' => i64::from(i16::from_be_bytes(raw.try_into().ok()?)),
        b'l' => i64::from(i32::from_be_bytes(raw.try_into().ok()?)),
        _ => i64::from_be_bytes(raw.try_into().ok()?),
    };
    Some((value, &rest[width..]))
}

/// `mlflow_version:` of an `MLmodel` file (a top-level key: no indentation).
#[must_use]
pub fn mlflow_version(mlmodel: &str) -> Option<String> {
    mlmodel.lines().find_map(|line| {
        let value = line.strip_prefix("mlflow_version:")?.trim();
        let value = value.trim_matches(|c| c == '\'' || c == '"');
        is_version(value).then(|| value.to_owned())
    })
}

/// The requirement lines of a model's `requirements.txt` (MLflow writes one beside `MLmodel`):
/// comments, blank lines and pip options dropped.
#[must_use]
pub fn requirements(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty() && !line.starts_with('-'))
        .map(str::to_owned)
        .collect()
}

/// The LightGBM versions a text model's format needs: its `version=vN` header line (the
/// model format, which LightGBM 4 raised to `v4`; the package version is not recorded).
#[must_use]
pub fn lightgbm_range(model: &[u8]) -> Option<&'static str> {
    let head = &model[..model.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let format = text
        .lines()
        .take_while(|line| !line.starts_with("Tree="))
        .find_map(|line| line.trim().strip_prefix("version=v"))?;
    match format.parse::<u32>().ok()? {
        4.. => Some(">=4"),
        _ => Some("<4"),
    }
}

/// `transformers_version` of a Hugging Face `config.json`.
#[must_use]
pub fn transformers_version(config: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(config).ok()?;
    let version = value.get("transformers_version")?.as_str()?;
    is_version(version).then(|| version.to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// A protocol-4 fragment as pickle writes an estimator's state: key, memo, value, memo.
    fn state(version: &str) -> Vec<u8> {
        let mut bytes = vec![0x8c, 16];
        bytes.extend_from_slice(SKLEARN_KEY);
        bytes.push(0x94);
        bytes.push(0x8c);
        bytes.push(u8::try_from(version.len()).unwrap());
        bytes.extend_from_slice(version.as_bytes());
        bytes.push(0x94);
        bytes
    }

    #[test]
    fn a_pickle_gives_its_sklearn_version() {
        let mut pickle = b"\x80\x04\x95junk".to_vec();
        pickle.extend(state("1.5.2"));
        pickle.extend(b"more");
        pickle.extend(state("1.5.2"));
        assert_eq!(
            sklearn_versions(&pickle).into_iter().collect::<Vec<_>>(),
            ["1.5.2"]
        );
    }

    #[test]
    fn two_versions_in_one_pickle_are_both_reported() {
        let mut pickle = state("0.24.2");
        pickle.extend(state("1.0.2"));
        assert_eq!(sklearn_versions(&pickle).len(), 2);
    }

    #[test]
    fn protocol_2_memo_and_long_strings_are_read() {
        let mut pickle = b"U\x10_sklearn_versionq\x05X\x06\x00\x00\x000.24.2q\x06".to_vec();
        pickle.extend(b"tail");
        assert_eq!(
            sklearn_versions(&pickle).into_iter().collect::<Vec<_>>(),
            ["0.24.2"]
        );
    }

    #[test]
    fn a_pickle_without_sklearn_has_no_version() {
        assert!(sklearn_versions(b"\x80\x04\x95 plain data").is_empty());
        // The key followed by something that is not a version string.
        let mut pickle = SKLEARN_KEY.to_vec();
        pickle.extend(b"\x8c\x03abc");
        assert!(sklearn_versions(&pickle).is_empty());
    }

    #[test]
    fn compressed_joblib_files_are_inflated() {
        let pickle = state("1.4.0");
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(3));
        zlib.write_all(&pickle).unwrap();
        let zlib = zlib.finish().unwrap();
        assert_eq!(decompressed(&zlib).unwrap(), pickle);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(3));
        gzip.write_all(&pickle).unwrap();
        assert_eq!(decompressed(&gzip.finish().unwrap()).unwrap(), pickle);
        assert_eq!(decompressed(&pickle).unwrap(), pickle);
    }

    #[test]
    fn xgboost_json_and_ubjson_models_give_their_version() {
        let json = br#"{"learner":{"attributes":{}},"version":[2,1,4]}"#;
        assert_eq!(xgboost_version(json).as_deref(), Some("2.1.4"));
        // A plain array of int8s.
        let plain = b"{L\x00\x00\x00\x00\x00\x00\x00\x07version[i\x02i\x01i\x04]}";
        assert_eq!(xgboost_version(plain).as_deref(), Some("2.1.4"));
        // A typed, counted array of int32s, as XGBoost writes it.
        let typed = b"{i\x07version[$l#i\x03\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x01}";
        assert_eq!(xgboost_version(typed).as_deref(), Some("3.0.1"));
        // A counted array of markers, as XGBoost 2.1 writes it.
        let counted = b"{L\x00\x00\x00\x00\x00\x00\x00\x07version[#L\x00\x00\x00\x00\x00\x00\x00\x03i\x02i\x01i\x04}";
        assert_eq!(xgboost_version(counted).as_deref(), Some("2.1.4"));
        assert_eq!(xgboost_version(b"binf\x00\x00\x00?old binary"), None);
    }

    #[test]
    fn mlmodel_gives_its_mlflow_version() {
        let mlmodel = "artifact_path: model\nflavors:\n  python_function:\n    \
                       loader_module: mlflow.sklearn\nmlflow_version: 2.17.2\n";
        assert_eq!(mlflow_version(mlmodel).as_deref(), Some("2.17.2"));
        assert_eq!(mlflow_version("flavors: {}\n"), None);
    }

    #[test]
    fn requirements_drop_comments_and_options() {
        let text = "# pinned\nmlflow==2.17.2\n\n-r other.txt\nscikit-learn==1.5.2  # the model\n";
        assert_eq!(
            requirements(text),
            ["mlflow==2.17.2", "scikit-learn==1.5.2"]
        );
    }

    #[test]
    fn lightgbm_text_models_give_their_format() {
        let v4 = b"tree\nversion=v4\nnum_class=3\nmax_feature_idx=3\n\nTree=0\nversion=v9\n";
        assert_eq!(lightgbm_range(v4), Some(">=4"));
        assert_eq!(
            lightgbm_range(b"tree\nversion=v3\nnum_class=1\n"),
            Some("<4")
        );
        assert_eq!(lightgbm_range(b"\x00\x01binary"), None);
    }

    #[test]
    fn transformers_configs_give_their_version() {
        let config = br#"{"architectures": ["BertForSequenceClassification"], "transformers_version": "4.53.3"}"#;
        assert_eq!(transformers_version(config).as_deref(), Some("4.53.3"));
        assert_eq!(transformers_version(b"{}"), None);
        assert_eq!(transformers_version(b"not json"), None);
    }
}
