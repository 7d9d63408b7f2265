//! `FieldPath`: where in the resource a diagnostic points, written the way Kubernetes and
//! upstream's webhook write it (`spec.predictors[0].graph.children[1].type`).

use std::fmt;

/// A dotted path into the resource, with `[i]` for list indices.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(String);

impl FieldPath {
    /// The path of the whole object.
    #[must_use]
    pub fn root() -> Self {
        Self(String::new())
    }

    /// A path from its text form.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// This path followed by a field name.
    #[must_use]
    pub fn key(&self, name: &str) -> Self {
        if self.0.is_empty() {
            Self(name.to_owned())
        } else {
            Self(format!("{}.{name}", self.0))
        }
    }

    /// This path followed by a list index.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        Self(format!("{}[{i}]", self.0))
    }

    /// The last field name (`type` of `graph.children[1].type`), if the path ends with one.
    #[must_use]
    pub fn last_key(&self) -> Option<&str> {
        if self.0.is_empty() || self.0.ends_with(']') {
            return None;
        }
        Some(self.0.rsplit('.').next().unwrap_or(&self.0))
    }

    /// The path as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("<root>")
        } else {
            f.write_str(&self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_indices_compose_like_kubernetes_paths() {
        let path = FieldPath::root()
            .key("spec")
            .key("predictors")
            .index(0)
            .key("graph");
        assert_eq!(path.to_string(), "spec.predictors[0].graph");
    }

    #[test]
    fn root_displays_as_a_placeholder() {
        assert_eq!(FieldPath::root().to_string(), "<root>");
    }
}
