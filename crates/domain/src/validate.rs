//! Input checks shared by every domain: each collects field errors so one `422` names every
//! field that is wrong.

use crate::error::{AppError, FieldError};

pub const MAX_TITLE: usize = 500;
pub const MAX_TEXT: usize = 100_000;
pub const MAX_LABEL: usize = 200;
pub const MAX_URL: usize = 2_048;
pub const MAX_LIST: usize = 100;

#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Checks {
        Checks::default()
    }

    pub fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Required text: not blank, at most `max` characters, no control characters but newlines and tabs.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(field, "must not be empty");
        } else {
            self.optional_text(field, value, max);
        }
    }

    /// Text that may be empty.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.fail(field, "must not contain control characters");
        }
    }

    /// A list of short labels, each required.
    pub fn labels(&mut self, field: &str, values: &[String]) {
        if values.len() > MAX_LIST {
            self.fail(field, format!("must hold at most {MAX_LIST} entries"));
            return;
        }
        for (i, v) in values.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), v, MAX_LABEL);
        }
    }

    /// An absolute http(s) URL.
    pub fn url(&mut self, field: &str, value: &str) {
        if let Err(message) = check_url(value) {
            self.fail(field, message);
        }
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.errors))
        }
    }
}

fn check_url(value: &str) -> Result<(), String> {
    if value.len() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} characters"));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or("must be an absolute http or https URL")?;
    if value.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '<' | '>' | '"' | '`' | '{' | '}' | '|' | '\\' | '^')
    }) {
        return Err("must not contain spaces or characters a URL cannot hold".into());
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    let name = host.split(':').next().unwrap_or("");
    if name.is_empty() || name.starts_with('.') {
        return Err("must name a host".into());
    }
    Ok(())
}

/// Trims and drops repeated labels, keeping the first spelling.
pub fn tidy_labels(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = v.trim().to_string();
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&v)) {
            out.push(v);
        }
    }
    out
}

/// Parses a JSON request body into `T`, after access has been decided. Syntax errors are
/// `400`; wrong types, unknown or missing fields are `422` naming the field.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(AppError::bad_request("the request needs a JSON body"));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => Err(AppError::bad_request(
                    format!("the body is not valid JSON: {inner}"),
                )),
                Category::Data => {
                    let field = if path == "." {
                        "body".to_string()
                    } else {
                        path
                    };
                    let message = strip_position(&inner.to_string());
                    Err(AppError::Validation(vec![FieldError { field, message }]))
                }
            }
        }
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// For PATCH bodies: tells a field left out (`None`) from one set to null (`Some(None)`).
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(check_url("https://hmicfrs.justiceinspectorates.gov.uk/report").is_ok());
        assert!(check_url("http://localhost:8080/x").is_ok());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("javascript:alert(1)").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://a b").is_err());
    }

    #[test]
    fn bodies_name_the_field_that_is_wrong() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            n: i32,
        }
        let e = parse_json::<T>(br#"{"n": "x"}"#).unwrap_err();
        assert_eq!(e.code(), "validation_failed");
        assert_eq!(e.field_errors().unwrap()[0].field, "n");
        assert_eq!(parse_json::<T>(b"{").unwrap_err().code(), "bad_request");
        assert_eq!(
            parse_json::<T>(br#"{"n":1,"m":2}"#).unwrap_err().code(),
            "validation_failed"
        );
    }
}
