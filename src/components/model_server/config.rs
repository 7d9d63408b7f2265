//! `--model_config_file`: TF Serving's `ModelServerConfig` in protobuf text format.
//!
//! ```text
//! model_config_list {
//!   config {
//!     name: 'mnist'  base_path: '/models/mnist'  model_platform: 'tensorflow'
//!     model_version_policy { specific { versions: 1 versions: 2 } }
//!     version_labels { key: 'stable' value: 1 }
//!   }
//! }
//! ```
//!
//! Pure: text in, configs and warnings about ignored fields out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::manager::{ModelConfig, VersionPolicy};

/// A problem in the config text, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("model config line {line}: {problem}")]
pub struct ConfigError {
    pub line: usize,
    pub problem: String,
}

/// Parsed configs plus warnings for fields the builtin server ignores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedConfig {
    pub models: Vec<ModelConfig>,
    pub warnings: Vec<String>,
}

/// Parses a `ModelServerConfig` text proto.
pub fn parse(text: &str) -> Result<ParsedConfig, ConfigError> {
    let fields = Parser::new(text).message(None)?;
    let mut warnings = Vec::new();
    let mut models = Vec::new();
    for (name, value, line) in fields {
        match (name.as_str(), value) {
            ("model_config_list", Field::Message(list)) => {
                for (name, value, line) in list {
                    match (name.as_str(), value) {
                        ("config", Field::Message(config)) => {
                            models.push(model(config, line, &mut warnings)?);
                        }
                        (other, _) => warnings.push(format!("line {line}: `{other}` is ignored")),
                    }
                }
            }
            ("custom_model_config", _) => {
                return Err(ConfigError {
                    line,
                    problem: "`custom_model_config` is not supported".to_owned(),
                });
            }
            (other, _) => warnings.push(format!("line {line}: `{other}` is ignored")),
        }
    }
    let mut names = BTreeSet::new();
    for m in &models {
        if !names.insert(m.name.clone()) {
            return Err(ConfigError {
                line: 0,
                problem: format!("model `{}` is configured twice", m.name),
            });
        }
    }
    Ok(ParsedConfig { models, warnings })
}

fn model(
    fields: Vec<(String, Field, usize)>,
    line: usize,
    warnings: &mut Vec<String>,
) -> Result<ModelConfig, ConfigError> {
    let mut name = None;
    let mut base_path = None;
    let mut version_policy = VersionPolicy::default();
    let mut version_labels = BTreeMap::new();
    for (field, value, at) in fields {
        let error = |problem: String| ConfigError { line: at, problem };
        match (field.as_str(), value) {
            ("name", Field::Scalar(v)) => name = Some(v),
            ("base_path", Field::Scalar(v)) => base_path = Some(PathBuf::from(v)),
            ("model_platform", Field::Scalar(v)) if v == "tensorflow" => {}
            ("model_platform", Field::Scalar(v)) => {
                return Err(error(format!(
                    "model_platform `{v}` is not supported (only `tensorflow`)"
                )));
            }
            ("model_version_policy", Field::Message(policy)) => {
                version_policy = self::policy(policy, at)?;
            }
            ("version_labels", Field::Message(entry)) => {
                let mut key = None;
                let mut value = None;
                for (k, v, at) in entry {
                    match (k.as_str(), v) {
                        ("key", Field::Scalar(s)) => key = Some(s),
                        ("value", Field::Scalar(s)) => value = Some(integer(&s, at)?),
                        (other, _) => {
                            return Err(ConfigError {
                                line: at,
                                problem: format!("unexpected `{other}` in version_labels"),
                            });
                        }
                    }
                }
                match (key, value) {
                    (Some(k), Some(v)) => {
                        version_labels.insert(k, v);
                    }
                    _ => return Err(error("version_labels needs `key` and `value`".to_owned())),
                }
            }
            (other, Field::Message(_) | Field::Scalar(_)) => {
                warnings.push(format!(
                    "line {at}: `{other}` is ignored by the builtin model server"
                ));
            }
        }
    }
    let error = |problem: &str| ConfigError {
        line,
        problem: problem.to_owned(),
    };
    Ok(ModelConfig {
        name: name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| error("a model config needs a `name`"))?,
        base_path: base_path.ok_or_else(|| error("a model config needs a `base_path`"))?,
        version_policy,
        version_labels,
    })
}

fn policy(fields: Vec<(String, Field, usize)>, line: usize) -> Result<VersionPolicy, ConfigError> {
    let [(kind, Field::Message(body), at)] =
        <[_; 1]>::try_from(fields).map_err(|_| ConfigError {
            line,
            problem: "model_version_policy needs exactly one of `latest`, `all`, `specific`"
                .to_owned(),
        })?
    else {
        return Err(ConfigError {
            line,
            problem: "model_version_policy must hold a message".to_owned(),
        });
    };
    let values = |name: &str| -> Result<Vec<i64>, ConfigError> {
        body.iter()
            .filter(|(k, _, _)| k == name)
            .map(|(_, v, at)| match v {
                Field::Scalar(s) => integer(s, *at),
                Field::Message(_) => Err(ConfigError {
                    line: *at,
                    problem: format!("`{name}` must be a number"),
                }),
            })
            .collect()
    };
    match kind.as_str() {
        "all" => Ok(VersionPolicy::All),
        "latest" => {
            let n = values("num_versions")?.first().copied().unwrap_or(1);
            let num_versions =
                usize::try_from(n)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError {
                        line: at,
                        problem: format!("num_versions must be positive, got {n}"),
                    })?;
            Ok(VersionPolicy::Latest { num_versions })
        }
        "specific" => {
            let versions: BTreeSet<i64> = values("versions")?.into_iter().collect();
            if versions.is_empty() {
                return Err(ConfigError {
                    line: at,
                    problem: "`specific` needs at least one version".to_owned(),
                });
            }
            Ok(VersionPolicy::Specific { versions })
        }
        other => Err(ConfigError {
            line: at,
            problem: format!("unknown version policy `{other}`"),
        }),
    }
}

fn integer(text: &str, line: usize) -> Result<i64, ConfigError> {
    text.parse().map_err(|_| ConfigError {
        line,
        problem: format!("`{text}` is not an integer"),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Scalar(String),
    Message(Vec<(String, Field, usize)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Punct(char),
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    peeked: Option<(Token, usize)>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            chars: text.chars().peekable(),
            line: 1,
            peeked: None,
        }
    }

    fn error(&self, problem: impl Into<String>) -> ConfigError {
        ConfigError {
            line: self.line,
            problem: problem.into(),
        }
    }

    fn next(&mut self) -> Result<Option<(Token, usize)>, ConfigError> {
        if let Some(t) = self.peeked.take() {
            return Ok(Some(t));
        }
        loop {
            match self.chars.peek().copied() {
                None => return Ok(None),
                Some('\n') => {
                    self.line += 1;
                    self.chars.next();
                }
                Some(c) if c.is_whitespace() => {
                    self.chars.next();
                }
                Some('#') => {
                    while self.chars.peek().is_some_and(|c| *c != '\n') {
                        self.chars.next();
                    }
                }
                Some(quote @ ('\'' | '"')) => {
                    self.chars.next();
                    let line = self.line;
                    let mut text = String::new();
                    loop {
                        match self.chars.next() {
                            None | Some('\n') => return Err(self.error("unterminated string")),
                            Some(c) if c == quote => break,
                            Some('\\') => match self.chars.next() {
                                Some('n') => text.push('\n'),
                                Some('t') => text.push('\t'),
                                Some(c) => text.push(c),
                                None => return Err(self.error("unterminated string")),
                            },
                            Some(c) => text.push(c),
                        }
                    }
                    return Ok(Some((Token::Text(text), line)));
                }
                Some(c) if c.is_alphanumeric() || "_-+.".contains(c) => {
                    let mut word = String::new();
                    while let Some(&c) = self
                        .chars
                        .peek()
                        .filter(|c| c.is_alphanumeric() || "_-+.".contains(**c))
                    {
                        word.push(c);
                        self.chars.next();
                    }
                    return Ok(Some((Token::Word(word), self.line)));
                }
                Some(c) if ":{}<>[],;".contains(c) => {
                    self.chars.next();
                    return Ok(Some((Token::Punct(c), self.line)));
                }
                Some(c) => return Err(self.error(format!("unexpected character `{c}`"))),
            }
        }
    }

    fn peek(&mut self) -> Result<Option<&Token>, ConfigError> {
        if self.peeked.is_none() {
            self.peeked = self.next()?;
        }
        Ok(self.peeked.as_ref().map(|(t, _)| t))
    }

    /// Fields until `close` (or the end of the text for the top level).
    fn message(&mut self, close: Option<char>) -> Result<Vec<(String, Field, usize)>, ConfigError> {
        let mut fields = Vec::new();
        loop {
            let Some((token, line)) = self.next()? else {
                return match close {
                    None => Ok(fields),
                    Some(c) => Err(self.error(format!("missing `{c}`"))),
                };
            };
            let name = match token {
                Token::Punct(c) if Some(c) == close => return Ok(fields),
                Token::Punct(',' | ';') => continue,
                Token::Word(w) => w,
                other => return Err(self.error(format!("expected a field name, found {other:?}"))),
            };
            if self.peek()? == Some(&Token::Punct(':')) {
                self.next()?;
            }
            match self.next()? {
                Some((Token::Punct('{'), _)) => {
                    fields.push((name, Field::Message(self.message(Some('}'))?), line));
                }
                Some((Token::Punct('<'), _)) => {
                    fields.push((name, Field::Message(self.message(Some('>'))?), line));
                }
                Some((Token::Punct('['), _)) => loop {
                    match self.next()? {
                        Some((Token::Punct(']'), _)) => break,
                        Some((Token::Punct(','), _)) => {}
                        Some((Token::Word(v) | Token::Text(v), _)) => {
                            fields.push((name.clone(), Field::Scalar(v), line));
                        }
                        _ => return Err(self.error("bad list")),
                    }
                },
                Some((Token::Word(v) | Token::Text(v), _)) => {
                    fields.push((name, Field::Scalar(v), line));
                }
                _ => return Err(self.error(format!("field `{name}` has no value"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_serving_model_config_is_parsed() {
        let text = r#"
            # two models
            model_config_list {
              config {
                name: 'mnist'
                base_path: "/models/mnist"
                model_platform: 'tensorflow'
                model_version_policy { specific { versions: 1 versions: 2 } }
                version_labels { key: 'stable' value: 1 }
                version_labels { key: 'canary' value: 2 }
              }
              config: < name: "zoo" base_path: "/models/zoo"
                model_version_policy: { latest: { num_versions: 2 } } logging_config {} >
            }
        "#;
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.models.len(), 2);
        let mnist = &parsed.models[0];
        assert_eq!(
            (mnist.name.as_str(), mnist.base_path.to_str()),
            ("mnist", Some("/models/mnist"))
        );
        assert_eq!(
            mnist.version_policy,
            VersionPolicy::Specific {
                versions: [1, 2].into()
            }
        );
        assert_eq!(
            mnist.version_labels,
            [("canary".to_owned(), 2), ("stable".to_owned(), 1)].into()
        );
        assert_eq!(
            parsed.models[1].version_policy,
            VersionPolicy::Latest { num_versions: 2 }
        );
        assert_eq!(
            parsed.warnings,
            vec!["line 13: `logging_config` is ignored by the builtin model server"]
        );
    }

    #[test]
    fn bad_configs_name_the_line() {
        let missing = parse("model_config_list { config { name: 'x' } }").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "model config line 1: a model config needs a `base_path`"
        );
        let platform = parse(
            "model_config_list {\n config { name: 'x' base_path: '/m'\n model_platform: 'pytorch' } }",
        );
        assert_eq!(platform.unwrap_err().line, 3);
        assert!(parse("model_config_list { config { name: 'x'").is_err());
        let twice = "model_config_list { config { name: 'a' base_path: '/a' } config { name: 'a' base_path: '/b' } }";
        assert!(
            parse(twice)
                .unwrap_err()
                .problem
                .contains("configured twice")
        );
    }
}
