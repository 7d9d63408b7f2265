//! A numpy-like n-dimensional array over JSON values: the shared tensor model every protocol
//! converts through.
//!
//! It follows what the upstream Python wrapper gets from `numpy.array(json_value)`: nested lists
//! must be rectangular (a ragged list is an error), all-integer leaves stay integers, any float
//! makes every leaf a float, and anything else (strings, booleans, objects, null) is kept as an
//! "object" array that is still rectangular but not numeric.

use serde_json::{Number, Value};

use super::ProtocolError;

/// The flat, row-major values of an [`NdArray`].
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Every leaf was a JSON integer (numpy `int64`).
    Int(Vec<i64>),
    /// Every leaf was a number and at least one was not an integer (numpy `float64`).
    Float(Vec<f64>),
    /// At least one leaf was not a number (numpy `object`/`str`/`bool`).
    Other(Vec<Value>),
}

impl Values {
    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Int(v) => v.len(),
            Self::Float(v) => v.len(),
            Self::Other(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn leaf(&self, i: usize) -> Value {
        match self {
            Self::Int(v) => Value::from(v[i]),
            Self::Float(v) => float_value(v[i]),
            Self::Other(v) => v[i].clone(),
        }
    }
}

/// A float as a JSON value; non-finite floats become `null`, which is what JSON can carry.
#[must_use]
pub fn float_value(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// The most elements an array built from a request may hold (2^26, 512 MiB of f64), and the
/// most nested lists it may print: a shape is checked against it before anything is allocated,
/// so a 50-byte request cannot make a server allocate terabytes.
pub const MAX_ELEMENTS: usize = 1 << 26;

/// The nested lists a shape with a zero dimension may still describe (`[10000000, 0]` is ten
/// million empty rows).
const MAX_EMPTY_ROWS: usize = 1 << 16;

/// Checks that `shape` describes at most [`MAX_ELEMENTS`] elements and a bounded number of nested
/// lists, with no overflow; returns its element count.
///
/// # Errors
/// [`ProtocolError::TooLarge`] otherwise.
pub fn checked_count(shape: &[usize]) -> Result<usize, ProtocolError> {
    let too_large = || ProtocolError::TooLarge {
        shape: shape.iter().map(|&d| d as u64).collect(),
        limit: MAX_ELEMENTS,
    };
    let mut count: usize = 1;
    // The lists above the leaves: d0 + d0*d1 + ... (without the last dimension).
    let mut lists: usize = 0;
    for (i, &d) in shape.iter().enumerate() {
        count = count.checked_mul(d).ok_or_else(too_large)?;
        if i + 1 < shape.len() {
            lists = lists.checked_add(count).ok_or_else(too_large)?;
        }
    }
    // A shape without zero dimensions has no more lists than elements.
    if count > MAX_ELEMENTS || lists > count.max(MAX_EMPTY_ROWS) {
        return Err(too_large());
    }
    Ok(count)
}

/// A rectangular n-dimensional array with a shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    shape: Vec<usize>,
    values: Values,
}

impl NdArray {
    /// Builds an array from a shape and values whose count matches it.
    pub fn new(shape: Vec<usize>, values: Values) -> Result<Self, ProtocolError> {
        let expected = checked_count(&shape)?;
        if expected != values.len() {
            return Err(ProtocolError::ShapeMismatch {
                shape,
                len: values.len(),
            });
        }
        Ok(Self { shape, values })
    }

    /// Reads nested JSON lists the way `numpy.array` does (see the module docs).
    pub fn from_json(value: &Value) -> Result<Self, ProtocolError> {
        let mut shape = Vec::new();
        let mut cursor = value;
        while let Value::Array(items) = cursor {
            shape.push(items.len());
            match items.first() {
                Some(first) => cursor = first,
                None => break,
            }
        }
        // The first row's lengths are a guess at the shape, not a promise: reserve no more
        // than the values the text can hold.
        let guess = checked_count(&shape).unwrap_or(0);
        let mut leaves = Vec::with_capacity(guess.min(1 << 16));
        collect_leaves(value, &shape, 0, &mut leaves)?;
        Ok(Self {
            values: classify(leaves),
            shape,
        })
    }

    /// Builds a numeric array from a Seldon `tensor` (`shape` + flat `values`).
    pub fn from_numbers(shape: &[i64], values: &[Number]) -> Result<Self, ProtocolError> {
        let shape = shape
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| ProtocolError::NegativeDimension(d)))
            .collect::<Result<Vec<_>, _>>()?;
        let values = if values.iter().all(|n| n.as_i64().is_some()) {
            Values::Int(values.iter().filter_map(Number::as_i64).collect())
        } else {
            Values::Float(
                values
                    .iter()
                    .map(|n| n.as_f64().unwrap_or(f64::NAN))
                    .collect(),
            )
        };
        Self::new(shape, values)
    }

    /// The shape (empty for a scalar).
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The flat values.
    #[must_use]
    pub fn values(&self) -> &Values {
        &self.values
    }

    /// Number of dimensions.
    #[must_use]
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Whether the values are numbers (numpy's `issubdtype(dtype, number)`).
    #[must_use]
    pub fn is_numeric(&self) -> bool {
        !matches!(self.values, Values::Other(_))
    }

    /// Turns a 1-D array of N items into shape `[1, N]` (numpy `expand_dims(axis=0)`), as the
    /// tfserving proxy does with TF Serving's predictions.
    #[must_use]
    pub fn expand_1d(mut self) -> Self {
        if self.shape.len() == 1 {
            self.shape.insert(0, 1);
        }
        self
    }

    /// The Python wrapper's default column names: `t:0..t:{shape[1]-1}` for arrays with more than
    /// one dimension, none otherwise.
    #[must_use]
    pub fn default_names(&self) -> Vec<String> {
        if self.shape.len() > 1 {
            (0..self.shape[1]).map(|i| format!("t:{i}")).collect()
        } else {
            Vec::new()
        }
    }

    /// The array as nested JSON lists (numpy `tolist()`).
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut index = 0;
        self.nest(0, &mut index)
    }

    fn nest(&self, depth: usize, index: &mut usize) -> Value {
        if depth == self.shape.len() {
            let leaf = self.values.leaf(*index);
            *index += 1;
            return leaf;
        }
        let items = (0..self.shape[depth])
            .map(|_| self.nest(depth + 1, index))
            .collect();
        Value::Array(items)
    }

    /// The flat values as JSON numbers, if the array is numeric.
    #[must_use]
    pub fn to_numbers(&self) -> Option<Vec<Value>> {
        match &self.values {
            Values::Int(v) => Some(v.iter().map(|&x| Value::from(x)).collect()),
            Values::Float(v) => Some(v.iter().map(|&x| float_value(x)).collect()),
            Values::Other(_) => None,
        }
    }

    /// The flat values as JSON values, in row-major order.
    #[must_use]
    pub fn to_flat_json(&self) -> Vec<Value> {
        (0..self.values.len())
            .map(|i| self.values.leaf(i))
            .collect()
    }
}

fn collect_leaves(
    value: &Value,
    shape: &[usize],
    depth: usize,
    out: &mut Vec<Value>,
) -> Result<(), ProtocolError> {
    match (value, shape.get(depth)) {
        (Value::Array(items), Some(&len)) if items.len() == len => {
            for item in items {
                collect_leaves(item, shape, depth + 1, out)?;
            }
            Ok(())
        }
        (Value::Array(_), _) | (_, Some(_)) => Err(ProtocolError::Ragged { depth }),
        (leaf, None) => {
            out.push(leaf.clone());
            Ok(())
        }
    }
}

fn classify(leaves: Vec<Value>) -> Values {
    if leaves.is_empty() {
        // numpy's default dtype for an empty list is float64.
        return Values::Float(Vec::new());
    }
    if !leaves.iter().all(Value::is_number) {
        return Values::Other(leaves);
    }
    if leaves.iter().all(|v| v.as_i64().is_some()) {
        Values::Int(leaves.iter().filter_map(Value::as_i64).collect())
    } else {
        Values::Float(
            leaves
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_lists_read_like_numpy() {
        let cases = [
            (
                json!([[1, 2], [3, 4]]),
                vec![2, 2],
                Values::Int(vec![1, 2, 3, 4]),
            ),
            (
                json!([[1.5, 2.0]]),
                vec![1, 2],
                Values::Float(vec![1.5, 2.0]),
            ),
            (json!([1, 2, 3]), vec![3], Values::Int(vec![1, 2, 3])),
            (json!(7), vec![], Values::Int(vec![7])),
            (json!([]), vec![0], Values::Float(vec![])),
            (
                json!([["a", "b"]]),
                vec![1, 2],
                Values::Other(vec![json!("a"), json!("b")]),
            ),
            (
                json!([{"a": [1, 2]}]),
                vec![1],
                Values::Other(vec![json!({"a": [1, 2]})]),
            ),
        ];
        for (input, shape, values) in cases {
            let array = NdArray::from_json(&input).unwrap();
            assert_eq!(array.shape(), shape.as_slice(), "{input}");
            assert_eq!(array.values(), &values, "{input}");
            assert_eq!(array.to_json(), input.clone(), "round trip of {input}");
        }
    }

    #[test]
    fn mixed_ints_and_floats_become_floats_in_json() {
        let array = NdArray::from_json(&json!([[1, 2.5]])).unwrap();
        assert_eq!(array.to_json(), json!([[1.0, 2.5]]));
    }

    #[test]
    fn ragged_lists_are_rejected() {
        for input in [json!([[1, 2], [3]]), json!([[1, 2], 3]), json!([1, [2]])] {
            assert!(
                matches!(
                    NdArray::from_json(&input),
                    Err(ProtocolError::Ragged { .. })
                ),
                "{input}"
            );
        }
    }

    #[test]
    fn tensor_numbers_are_reshaped_and_checked() {
        let numbers: Vec<Number> = vec![1.into(), 2.into(), 3.into(), 4.into()];
        let array = NdArray::from_numbers(&[2, 2], &numbers).unwrap();
        assert_eq!(array.to_json(), json!([[1, 2], [3, 4]]));
        assert!(matches!(
            NdArray::from_numbers(&[3], &numbers),
            Err(ProtocolError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            NdArray::from_numbers(&[-1], &numbers),
            Err(ProtocolError::NegativeDimension(-1))
        ));
    }

    #[test]
    fn one_dimensional_arrays_expand_and_get_names() {
        let array = NdArray::from_json(&json!([0.1, 0.2, 0.3])).unwrap();
        assert!(array.default_names().is_empty());
        let expanded = array.expand_1d();
        assert_eq!(expanded.shape(), &[1, 3]);
        assert_eq!(expanded.default_names(), ["t:0", "t:1", "t:2"]);
        assert_eq!(expanded.to_json(), json!([[0.1, 0.2, 0.3]]));
    }

    #[test]
    fn shapes_that_would_make_a_server_allocate_without_bound_are_refused() {
        for shape in [
            vec![1_099_511_627_776, 0],
            vec![4_294_967_296, 4_294_967_296],
            vec![1_000_000, 1_000_000],
            vec![10_000_000, 0],
            vec![usize::MAX, 2],
        ] {
            assert!(
                matches!(checked_count(&shape), Err(ProtocolError::TooLarge { .. })),
                "{shape:?}"
            );
        }
        assert_eq!(checked_count(&[1, 784]).unwrap(), 784);
        assert_eq!(checked_count(&[0]).unwrap(), 0);
        assert_eq!(checked_count(&[100, 0]).unwrap(), 0);
        assert_eq!(checked_count(&[]).unwrap(), 1);
        assert_eq!(checked_count(&[1; 60]).unwrap(), 1);
    }

    #[test]
    fn a_ragged_list_promising_a_huge_shape_costs_only_what_it_sends() {
        // The first elements nest four levels of 1000; the rest is one number.
        let row = format!("[{}]", vec!["0"; 1000].join(","));
        let plane = format!("[{}]", vec![row.as_str(); 1000].join(","));
        let text = format!("[[{plane}], 1]");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(matches!(
            NdArray::from_json(&value),
            Err(ProtocolError::Ragged { .. })
        ));
    }
}
