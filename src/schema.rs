//! The `schema` number at the top of every JSON document kdeck writes (`probe --json`,
//! `list --json`, `kspp --json`, `record --json`, `matrix --json`), so that a reader can
//! tell which layout it holds. Each format has its own number; it goes up when a field
//! is removed, renamed or changes meaning (new fields do not change it). README
//! "JSON formats" documents each layout.

use serde::{Serialize, Serializer};

/// `kdeck probe --json`: `{"schema", "demos": [{demo, title, support, evidence}]}`.
pub const PROBE: u32 = 1;
/// `kdeck list --json`: `{"schema", "slides": [{n, file, section, title, demo, minutes}]}`.
pub const LIST: u32 = 1;
/// `kdeck kspp --json`: the KSPP report's fields next to `schema`.
pub const KSPP: u32 = 1;
/// `kdeck record --json`: the run report's fields next to `schema`.
pub const RECORD: u32 = 1;
/// `kdeck matrix --json` and `demos/matrix.json`: the matrix's fields next to `schema`.
pub const MATRIX: u32 = 1;

/// A JSON object: `schema` first, then the fields of `body` (which must serialize as
/// an object).
#[derive(Serialize)]
pub struct Versioned<'a, T: Serialize> {
    pub schema: u32,
    #[serde(flatten)]
    pub body: &'a T,
}

/// `{"schema": N, "<key>": [rows]}`: for formats whose body is a list.
pub struct Listed<'a, T: Serialize> {
    pub schema: u32,
    pub key: &'static str,
    pub rows: &'a [T],
}

impl<T: Serialize> Serialize for Listed<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("schema", &self.schema)?;
        map.serialize_entry(self.key, self.rows)?;
        map.end()
    }
}

/// `body` as pretty JSON with `schema` first.
pub fn pretty<T: Serialize>(schema: u32, body: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&Versioned { schema, body })
}

/// `rows` as pretty JSON: `{"schema": N, "<key>": [...]}`.
pub fn pretty_list<T: Serialize>(
    schema: u32,
    key: &'static str,
    rows: &[T],
) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&Listed { schema, key, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        a: u8,
        b: &'static str,
    }

    #[test]
    fn schema_comes_first() {
        let text = pretty(3, &Body { a: 1, b: "x" }).unwrap();
        assert_eq!(text, "{\n  \"schema\": 3,\n  \"a\": 1,\n  \"b\": \"x\"\n}");
        let text = pretty_list(2, "rows", &[1, 2]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v, serde_json::json!({"schema": 2, "rows": [1, 2]}));
        assert!(text.starts_with("{\n  \"schema\": 2,"), "{text}");
    }
}
