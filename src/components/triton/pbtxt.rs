//! The protobuf text format, as far as `config.pbtxt` files use it: fields `name: value`,
//! messages `name { ... }` or `name: { ... }`, lists `name: [a, b]` (of scalars or messages),
//! `#` comments, and optional `,`/`;` separators. The result is an untyped tree; `config`
//! gives it the meaning of Triton's `ModelConfig`.

/// A value: a scalar as written (strings unquoted and unescaped) or a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(String),
    Message(Message),
}

/// A message's fields in file order; a repeated field appears once per element.
pub type Message = Vec<(String, Value)>;

/// Where and why the text does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ParseError {
    pub line: usize,
    pub problem: String,
}

/// Parses a whole file as the fields of one message.
pub fn parse(text: &str) -> Result<Message, ParseError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
    };
    let message = parser.fields(None)?;
    Ok(message)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    line: usize,
}

impl Parser {
    fn error(&self, problem: impl Into<String>) -> ParseError {
        ParseError {
            line: self.line,
            problem: problem.into(),
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_blank();
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.at).copied();
        if c == Some('\n') {
            self.line += 1;
        }
        self.at += 1;
        c
    }

    fn skip_blank(&mut self) {
        while let Some(&c) = self.chars.get(self.at) {
            if c == '#' {
                while self.chars.get(self.at).is_some_and(|c| *c != '\n') {
                    self.at += 1;
                }
            } else if c.is_whitespace() {
                self.bump();
            } else {
                break;
            }
        }
    }

    /// Fields up to `close` (or the end of the text when `None`).
    fn fields(&mut self, close: Option<char>) -> Result<Message, ParseError> {
        let mut fields = Vec::new();
        loop {
            match self.peek() {
                None if close.is_none() => return Ok(fields),
                None => return Err(self.error("unexpected end of file: a `}` is missing")),
                Some(c) if Some(c) == close => {
                    self.bump();
                    return Ok(fields);
                }
                Some(',' | ';') => {
                    self.bump();
                }
                Some(c) if c.is_alphabetic() || c == '_' => {
                    let name = self.word();
                    self.field(name, &mut fields)?;
                }
                Some(c) => return Err(self.error(format!("expected a field name, found `{c}`"))),
            }
        }
    }

    fn field(&mut self, name: String, fields: &mut Message) -> Result<(), ParseError> {
        let colon = self.peek() == Some(':');
        if colon {
            self.bump();
        }
        match self.peek() {
            Some('{' | '<') => {
                let close = if self.bump() == Some('{') { '}' } else { '>' };
                fields.push((name, Value::Message(self.fields(Some(close))?)));
            }
            Some('[') => {
                self.bump();
                loop {
                    match self.peek() {
                        Some(']') => {
                            self.bump();
                            break;
                        }
                        Some(',') => {
                            self.bump();
                        }
                        Some('{') => {
                            self.bump();
                            fields.push((name.clone(), Value::Message(self.fields(Some('}'))?)));
                        }
                        Some(_) => fields.push((name.clone(), Value::Scalar(self.scalar()?))),
                        None => return Err(self.error(format!("list `{name}` is not closed"))),
                    }
                }
            }
            Some(_) if colon => fields.push((name, Value::Scalar(self.scalar()?))),
            _ => return Err(self.error(format!("expected `:` or `{{` after `{name}`"))),
        }
        Ok(())
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(&c) = self.chars.get(self.at) {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.') {
                word.push(c);
                self.at += 1;
            } else {
                break;
            }
        }
        word
    }

    fn scalar(&mut self) -> Result<String, ParseError> {
        match self.peek() {
            Some(quote @ ('"' | '\'')) => {
                self.bump();
                let mut text = String::new();
                loop {
                    match self.bump() {
                        Some(c) if c == quote => break,
                        Some('\\') => match self.bump() {
                            Some('n') => text.push('\n'),
                            Some('t') => text.push('\t'),
                            Some(c) => text.push(c),
                            None => return Err(self.error("unterminated string")),
                        },
                        Some(c) => text.push(c),
                        None => return Err(self.error("unterminated string")),
                    }
                }
                // Adjacent string literals concatenate.
                if matches!(self.peek(), Some('"' | '\'')) {
                    text.push_str(&self.scalar()?);
                }
                Ok(text)
            }
            Some(_) => {
                let word = self.word();
                if word.is_empty() {
                    let c = self.chars.get(self.at).copied().unwrap_or(' ');
                    Err(self.error(format!("expected a value, found `{c}`")))
                } else {
                    Ok(word)
                }
            }
            None => Err(self.error("expected a value, found the end of the file")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(s: &str) -> Value {
        Value::Scalar(s.to_owned())
    }

    #[test]
    fn fields_messages_lists_and_comments_parse() {
        let text = r#"
            name: "simple"  # the model
            max_batch_size: 8
            input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] } ]
            version_policy: { latest { num_versions: 2 } }
            dims: [1, -1]
        "#;
        let parsed = parse(text).unwrap();
        assert_eq!(parsed[0], ("name".to_owned(), scalar("simple")));
        assert_eq!(parsed[1], ("max_batch_size".to_owned(), scalar("8")));
        let Value::Message(input) = &parsed[2].1 else {
            panic!("input is a message")
        };
        assert_eq!(input[2], ("dims".to_owned(), scalar("16")));
        assert_eq!(parsed[4], ("dims".to_owned(), scalar("1")));
        assert_eq!(parsed[5], ("dims".to_owned(), scalar("-1")));
    }

    #[test]
    fn an_unclosed_message_is_an_error_with_a_line() {
        let error = parse("input {\n name: \"x\"\n").unwrap_err();
        assert!(error.problem.contains("`}` is missing"), "{error}");
    }
}
