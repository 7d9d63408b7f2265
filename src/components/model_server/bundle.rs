//! Reader for TensorFlow's checkpoint "tensor bundle": `variables.index` (a LevelDB table of
//! `BundleEntryProto`s keyed by checkpoint key) and the `variables.data-SSSSS-of-NNNNN` shards.
//!
//! Only what SavedModels use: uncompressed tables, whole (unpartitioned) numeric tensors. Every
//! block and tensor checksum is verified, so a truncated or corrupt checkpoint is an error and
//! never a model with garbage weights.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prost::Message;

/// The last 48 bytes of a table: two block handles, padding and this magic.
const TABLE_MAGIC: u64 = 0xdb47_7524_8b80_fb57;
const FOOTER_LEN: usize = 48;
/// Each block is followed by a compression-type byte and a masked crc32c.
const BLOCK_TRAILER_LEN: usize = 5;
const CRC_MASK_DELTA: u32 = 0xa282_ead8;

/// A raw table entry: key and value bytes.
type Entry = (Vec<u8>, Vec<u8>);

/// Errors reading a checkpoint; each names the file or key involved.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a valid checkpoint index: {problem}", path.display())]
    Index { path: PathBuf, problem: String },
    #[error("checkpoint tensor `{key}` is invalid: {problem}")]
    Tensor { key: String, problem: String },
    #[error("checkpoint has no tensor `{key}`")]
    MissingKey { key: String },
}

/// One checkpoint entry (`tensorflow/core/protobuf/tensor_bundle.proto`).
#[derive(Clone, PartialEq, Message)]
pub(crate) struct BundleEntryProto {
    #[prost(int32, tag = "1")]
    pub dtype: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<tract_tensorflow::tfpb::tensorflow::TensorShapeProto>,
    #[prost(int32, tag = "3")]
    pub shard_id: i32,
    #[prost(int64, tag = "4")]
    pub offset: i64,
    #[prost(int64, tag = "5")]
    pub size: i64,
    #[prost(fixed32, tag = "6")]
    pub crc32c: u32,
    /// Non-empty for partitioned variables, which are not supported.
    #[prost(bytes = "vec", repeated, tag = "7")]
    pub slices: Vec<Vec<u8>>,
}

/// The bundle header, stored under the empty key.
#[derive(Clone, PartialEq, Message)]
struct BundleHeaderProto {
    #[prost(int32, tag = "1")]
    num_shards: i32,
}

/// A raw checkpoint tensor: TF dtype, shape and little-endian bytes.
#[derive(Debug, Clone)]
pub(crate) struct RawTensor {
    pub dtype: i32,
    pub shape: Vec<i64>,
    pub data: Vec<u8>,
}

/// An opened checkpoint: the decoded index; shards are read on demand.
#[derive(Debug)]
pub(crate) struct Bundle {
    prefix: PathBuf,
    num_shards: i32,
    entries: BTreeMap<String, BundleEntryProto>,
}

impl Bundle {
    /// Opens `<prefix>.index`, e.g. `variables/variables`.
    pub(crate) fn open(prefix: &Path) -> Result<Self, BundleError> {
        let path = with_suffix(prefix, ".index");
        let bytes = std::fs::read(&path).map_err(|source| BundleError::Read {
            path: path.clone(),
            source,
        })?;
        let index_error = |problem: String| BundleError::Index {
            path: path.clone(),
            problem,
        };
        let raw = read_table(&bytes).map_err(index_error)?;
        let mut entries = BTreeMap::new();
        let mut num_shards = 1;
        for (key, value) in raw {
            if key.is_empty() {
                let header = BundleHeaderProto::decode(value.as_slice())
                    .map_err(|e| index_error(format!("bad header: {e}")))?;
                num_shards = header.num_shards.max(1);
                continue;
            }
            let key =
                String::from_utf8(key).map_err(|_| index_error("a key is not UTF-8".to_owned()))?;
            let entry = BundleEntryProto::decode(value.as_slice())
                .map_err(|e| index_error(format!("bad entry for `{key}`: {e}")))?;
            entries.insert(key, entry);
        }
        Ok(Self {
            prefix: prefix.to_path_buf(),
            num_shards,
            entries,
        })
    }

    /// The names of the tensors in the index.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Reads one tensor and checks its crc32c.
    pub(crate) fn read(&self, key: &str) -> Result<RawTensor, BundleError> {
        let entry = self
            .entries
            .get(key)
            .ok_or_else(|| BundleError::MissingKey {
                key: key.to_owned(),
            })?;
        let bad = |problem: &str| BundleError::Tensor {
            key: key.to_owned(),
            problem: problem.to_owned(),
        };
        if !entry.slices.is_empty() {
            return Err(bad("partitioned variables are not supported"));
        }
        if entry.shard_id < 0 || entry.shard_id >= self.num_shards {
            return Err(bad("shard id out of range"));
        }
        let shard = with_suffix(
            &self.prefix,
            &format!(".data-{:05}-of-{:05}", entry.shard_id, self.num_shards),
        );
        let file = std::fs::read(&shard).map_err(|source| BundleError::Read {
            path: shard.clone(),
            source,
        })?;
        let start = usize::try_from(entry.offset).map_err(|_| bad("negative offset"))?;
        let len = usize::try_from(entry.size).map_err(|_| bad("negative size"))?;
        let data = start
            .checked_add(len)
            .and_then(|end| file.get(start..end))
            .ok_or_else(|| bad("extends past the end of its data file"))?;
        if mask_crc(crc32c::crc32c(data)) != entry.crc32c {
            return Err(bad("checksum mismatch"));
        }
        let shape = entry
            .shape
            .as_ref()
            .map(|s| s.dim.iter().map(|d| d.size).collect())
            .unwrap_or_default();
        Ok(RawTensor {
            dtype: entry.dtype,
            shape,
            data: data.to_vec(),
        })
    }
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(CRC_MASK_DELTA)
}

/// Reads every (key, value) of an uncompressed LevelDB table.
fn read_table(file: &[u8]) -> Result<Vec<Entry>, String> {
    if file.len() < FOOTER_LEN {
        return Err("shorter than a table footer".to_owned());
    }
    let footer = &file[file.len() - FOOTER_LEN..];
    let magic = u64::from_le_bytes(footer[40..48].try_into().map_err(|_| "footer")?);
    if magic != TABLE_MAGIC {
        return Err("bad table magic".to_owned());
    }
    let mut cursor = &footer[..40];
    let _metaindex = read_handle(&mut cursor)?;
    let index = read_handle(&mut cursor)?;
    let mut entries = Vec::new();
    for (_, handle) in read_block(block(file, index)?)? {
        let mut h = handle.as_slice();
        let data = read_handle(&mut h)?;
        entries.extend(read_block(block(file, data)?)?);
    }
    Ok(entries)
}

fn read_handle(cursor: &mut &[u8]) -> Result<(usize, usize), String> {
    let offset = read_varint(cursor)?;
    let size = read_varint(cursor)?;
    Ok((
        usize::try_from(offset).map_err(|_| "offset too large")?,
        usize::try_from(size).map_err(|_| "size too large")?,
    ))
}

/// Returns the contents of the block at `(offset, size)` after checking its trailer.
fn block(file: &[u8], (offset, size): (usize, usize)) -> Result<&[u8], String> {
    let end = offset
        .checked_add(size)
        .and_then(|e| e.checked_add(BLOCK_TRAILER_LEN))
        .filter(|e| *e <= file.len())
        .ok_or("a block extends past the end of the file")?;
    let with_type = &file[offset..=offset + size];
    let crc = u32::from_le_bytes(file[end - 4..end].try_into().map_err(|_| "crc")?);
    if mask_crc(crc32c::crc32c(with_type)) != crc {
        return Err("block checksum mismatch".to_owned());
    }
    match with_type[size] {
        0 => Ok(&with_type[..size]),
        other => Err(format!(
            "compressed blocks (type {other}) are not supported"
        )),
    }
}

/// Decodes the prefix-compressed entries of a block.
fn read_block(block: &[u8]) -> Result<Vec<Entry>, String> {
    if block.len() < 4 {
        return Err("block too short".to_owned());
    }
    let num_restarts = u32::from_le_bytes(block[block.len() - 4..].try_into().map_err(|_| "n")?);
    let restarts_len = (num_restarts as usize)
        .checked_mul(4)
        .and_then(|n| n.checked_add(4))
        .filter(|n| *n <= block.len())
        .ok_or("bad restart count")?;
    let mut cursor = &block[..block.len() - restarts_len];
    let mut entries: Vec<Entry> = Vec::new();
    let mut key: Vec<u8> = Vec::new();
    while !cursor.is_empty() {
        let shared = read_varint(&mut cursor)? as usize;
        let non_shared = read_varint(&mut cursor)? as usize;
        let value_len = read_varint(&mut cursor)? as usize;
        if shared > key.len() || non_shared.saturating_add(value_len) > cursor.len() {
            return Err("corrupt block entry".to_owned());
        }
        key.truncate(shared);
        key.extend_from_slice(&cursor[..non_shared]);
        let value = cursor[non_shared..non_shared + value_len].to_vec();
        cursor = &cursor[non_shared + value_len..];
        entries.push((key.clone(), value));
    }
    Ok(entries)
}

fn read_varint(cursor: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = cursor.split_first().ok_or("truncated varint")?;
        *cursor = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint too long".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn push_block(file: &mut Vec<u8>, contents: &[u8]) -> (usize, usize) {
        let offset = file.len();
        file.extend_from_slice(contents);
        file.push(0);
        let crc = mask_crc(crc32c::crc32c(&file[offset..]));
        file.extend_from_slice(&crc.to_le_bytes());
        (offset, contents.len())
    }

    /// Builds a one-data-block table the way TF's writer does (prefix-compressed keys).
    fn table(entries: &[(&[u8], Vec<u8>)]) -> Vec<u8> {
        let mut data = Vec::new();
        let mut prev: &[u8] = b"";
        for (key, value) in entries {
            let shared = prev
                .iter()
                .zip(key.iter())
                .take_while(|(a, b)| a == b)
                .count();
            varint(shared as u64, &mut data);
            varint((key.len() - shared) as u64, &mut data);
            varint(value.len() as u64, &mut data);
            data.extend_from_slice(&key[shared..]);
            data.extend_from_slice(value);
            prev = key;
        }
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&1u32.to_le_bytes());
        let mut file = Vec::new();
        let data_handle = push_block(&mut file, &data);
        let meta = push_block(&mut file, &[0, 0, 0, 0, 0, 0, 0, 0]);
        let mut index = vec![0, 1, 0, b'z'];
        let mut handle = Vec::new();
        varint(data_handle.0 as u64, &mut handle);
        varint(data_handle.1 as u64, &mut handle);
        index[2] = handle.len() as u8;
        index.extend_from_slice(&handle);
        index.extend_from_slice(&0u32.to_le_bytes());
        index.extend_from_slice(&1u32.to_le_bytes());
        let index_handle = push_block(&mut file, &index);
        let mut footer = Vec::new();
        for (o, s) in [meta, index_handle] {
            varint(o as u64, &mut footer);
            varint(s as u64, &mut footer);
        }
        footer.resize(40, 0);
        footer.extend_from_slice(&TABLE_MAGIC.to_le_bytes());
        file.extend_from_slice(&footer);
        file
    }

    fn write_bundle(dir: &Path, data: &[u8], corrupt_crc: bool) -> PathBuf {
        let entry = |offset: i64, size: i64, bytes: &[u8]| BundleEntryProto {
            dtype: 1,
            shape: Some(tract_tensorflow::tfpb::tensorflow::TensorShapeProto {
                dim: vec![
                    tract_tensorflow::tfpb::tensorflow::tensor_shape_proto::Dim {
                        size: size / 4,
                        name: String::new(),
                    },
                ],
                unknown_rank: false,
            }),
            shard_id: 0,
            offset,
            size,
            crc32c: mask_crc(crc32c::crc32c(bytes)) ^ u32::from(corrupt_crc),
            slices: vec![],
        };
        let header = BundleHeaderProto { num_shards: 1 }.encode_to_vec();
        let file = table(&[
            (b"", header),
            (b"layer/kernel", entry(0, 8, &data[..8]).encode_to_vec()),
            (b"layer/kernel_2", entry(8, 4, &data[8..12]).encode_to_vec()),
        ]);
        let prefix = dir.join("variables");
        std::fs::write(with_suffix(&prefix, ".index"), file).unwrap();
        std::fs::write(with_suffix(&prefix, ".data-00000-of-00001"), data).unwrap();
        prefix
    }

    #[test]
    fn reads_prefix_compressed_entries_and_their_tensors() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = [1.0f32, 2.0, 3.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let bundle = Bundle::open(&write_bundle(dir.path(), &data, false)).unwrap();
        let t = bundle.read("layer/kernel_2").unwrap();
        assert_eq!(
            (t.dtype, t.shape.clone(), t.data),
            (1, vec![1], 3.0f32.to_le_bytes().to_vec())
        );
        assert_eq!(bundle.read("layer/kernel").unwrap().data, data[..8]);
        assert!(matches!(
            bundle.read("nope"),
            Err(BundleError::MissingKey { .. })
        ));
    }

    #[test]
    fn tensor_with_a_wrong_checksum_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let data = vec![0u8; 12];
        let bundle = Bundle::open(&write_bundle(dir.path(), &data, true)).unwrap();
        let err = bundle.read("layer/kernel").unwrap_err().to_string();
        assert_eq!(
            err,
            "checkpoint tensor `layer/kernel` is invalid: checksum mismatch"
        );
    }

    #[test]
    fn truncated_index_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = write_bundle(dir.path(), &[0u8; 12], false);
        let index = with_suffix(&prefix, ".index");
        let bytes = std::fs::read(&index).unwrap();
        std::fs::write(&index, &bytes[..bytes.len() - 3]).unwrap();
        let err = Bundle::open(&prefix).unwrap_err().to_string();
        assert!(
            err.ends_with("is not a valid checkpoint index: bad table magic"),
            "{err}"
        );
    }
}
