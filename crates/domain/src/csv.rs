//! RFC 4180 CSV through the `csv` crate: reading the reference data and writing exports, with
//! one rule of our own: a field a spreadsheet would run as a formula gets a leading apostrophe.

/// Parses CSV text into rows of fields (quoted fields may hold commas, quotes and newlines).
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.map(|record| record.iter().map(str::to_string).collect())
                .map_err(|e| format!("CSV: {e}"))
        })
        .collect()
}

/// What a field is written as: `=1+1` and the like with an apostrophe before them.
fn guarded(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// Lines of CSV, CRLF-terminated, quoted where a field needs it.
pub struct Lines(csv::Writer<Vec<u8>>);

impl Default for Lines {
    fn default() -> Self {
        Lines(
            csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
        )
    }
}

impl Lines {
    pub fn push<S: AsRef<str>>(&mut self, fields: &[S]) {
        // Writing to memory cannot fail.
        let _ = self
            .0
            .write_record(fields.iter().map(|f| guarded(f.as_ref()).into_owned()));
    }

    pub fn into_string(self) -> String {
        let bytes = self.0.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// One CSV line, CRLF-terminated.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut lines = Lines::default();
    lines.push(fields);
    lines.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let rows = parse("a,\"b, c\",\"say \"\"hi\"\"\"\n\"x\ny\",,z\n").unwrap();
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
        let text = line(&fields);
        assert!(text.ends_with("\r\n"), "{text:?}");
        let rows = parse(&text).unwrap();
        assert_eq!(rows[0][..4], fields[..4]);
        assert_eq!(rows[0][4], "'=1+1");
        assert_eq!(line(&["a", "b"]), "a,b\r\n");
    }
}
