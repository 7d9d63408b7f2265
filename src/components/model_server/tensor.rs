//! The server's own dense tensor: what the REST codec produces and consumes, independent of the
//! inference engine.

/// The TensorFlow dtypes the REST API and the engine exchange (`types.proto` numbering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    Float,
    Double,
    Int32,
    Uint8,
    Int16,
    Int8,
    String,
    Int64,
    Bool,
}

impl DType {
    /// From `tensorflow.DataType`; `None` for dtypes the server cannot exchange.
    #[must_use]
    pub fn from_proto(value: i32) -> Option<Self> {
        Some(match value {
            1 => Self::Float,
            2 => Self::Double,
            3 => Self::Int32,
            4 => Self::Uint8,
            5 => Self::Int16,
            6 => Self::Int8,
            7 => Self::String,
            9 => Self::Int64,
            10 => Self::Bool,
            _ => return None,
        })
    }

    /// The enum name TF Serving prints in metadata.
    #[must_use]
    pub fn proto_name(value: i32) -> &'static str {
        match value {
            1 => "DT_FLOAT",
            2 => "DT_DOUBLE",
            3 => "DT_INT32",
            4 => "DT_UINT8",
            5 => "DT_INT16",
            6 => "DT_INT8",
            7 => "DT_STRING",
            9 => "DT_INT64",
            10 => "DT_BOOL",
            17 => "DT_UINT16",
            19 => "DT_HALF",
            22 => "DT_UINT32",
            23 => "DT_UINT64",
            _ => "DT_INVALID",
        }
    }

    /// The lowercase name used in TF Serving's JSON type errors.
    #[must_use]
    pub fn short_name(self) -> &'static str {
        match self {
            Self::Float => "float",
            Self::Double => "double",
            Self::Int32 => "int32",
            Self::Uint8 => "uint8",
            Self::Int16 => "int16",
            Self::Int8 => "int8",
            Self::String => "string",
            Self::Int64 => "int64",
            Self::Bool => "bool",
        }
    }
}

/// Row-major values of one dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Float(Vec<f32>),
    Double(Vec<f64>),
    Int32(Vec<i32>),
    Uint8(Vec<u8>),
    Int16(Vec<i16>),
    Int8(Vec<i8>),
    String(Vec<Vec<u8>>),
    Int64(Vec<i64>),
    Bool(Vec<bool>),
}

impl Values {
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Float(v) => v.len(),
            Self::Double(v) => v.len(),
            Self::Int32(v) => v.len(),
            Self::Uint8(v) => v.len(),
            Self::Int16(v) => v.len(),
            Self::Int8(v) => v.len(),
            Self::String(v) => v.len(),
            Self::Int64(v) => v.len(),
            Self::Bool(v) => v.len(),
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[must_use]
    pub fn dtype(&self) -> DType {
        match self {
            Self::Float(_) => DType::Float,
            Self::Double(_) => DType::Double,
            Self::Int32(_) => DType::Int32,
            Self::Uint8(_) => DType::Uint8,
            Self::Int16(_) => DType::Int16,
            Self::Int8(_) => DType::Int8,
            Self::String(_) => DType::String,
            Self::Int64(_) => DType::Int64,
            Self::Bool(_) => DType::Bool,
        }
    }
}

/// A dense tensor: shape and row-major values (`values.len()` = product of `shape`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub values: Values,
}
