//! RFC 4180 CSV: reading the reference data and writing exports.

/// Parses CSV text into rows of fields (quoted fields may hold commas, quotes and newlines).
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// One CSV field, quoted when it must be. Fields that a spreadsheet would run as a formula
/// get a leading apostrophe.
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One CSV line, CRLF-terminated.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = fields
        .iter()
        .map(|f| field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let rows = parse("a,\"b, c\",\"say \"\"hi\"\"\"\n\"x\ny\",,z\n");
        assert_eq!(
            rows,
            vec![vec!["a", "b, c", "say \"hi\""], vec!["x\ny", "", "z"]]
        );
    }

    #[test]
    fn writing_then_reading_gives_back_the_fields() {
        let fields = [
            "plain",
            "with, comma",
            "with \"quote\"",
            "two\nlines",
            "=1+1",
        ];
        let rows = parse(&line(&fields));
        assert_eq!(rows[0][..4], fields[..4]);
        assert_eq!(rows[0][4], "'=1+1");
    }
}
