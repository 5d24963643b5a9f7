//! Handing files from the guest back to the host over a serial line: each file is
//! framed between `@@KDECK BEGIN` and `@@KDECK END` lines, its bytes in base64 chunk
//! lines numbered from 0, with the size and a CRC-32 of the whole file. Anything else on
//! the line (kernel log lines, a console prefix glued to the start of a line) is
//! ignored; a chunk that was damaged, a missing chunk or a checksum mismatch is an
//! error that names the file.
//!
//! ```text
//! @@KDECK BEGIN root/summary.json 1234 9ae0daaf 17
//! @@KD 0 eyJrZGVja192ZXJzaW9uIjoi...
//! ...
//! @@KDECK END root/summary.json
//! @@KDECK DONE 1
//! ```

use std::collections::BTreeMap;

/// Bytes per chunk line (before base64).
const CHUNK: usize = 57;
const BEGIN: &str = "@@KDECK BEGIN ";
const END: &str = "@@KDECK END ";
const DONE: &str = "@@KDECK DONE ";
const DATA: &str = "@@KD ";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CollectError {
    #[error("no results in the guest's output (no @@KDECK BEGIN line)")]
    Nothing,
    #[error("{name}: malformed BEGIN line: {line:?}")]
    BadBegin { name: String, line: String },
    #[error("{name}: no END line (the guest stopped while sending it?)")]
    Truncated { name: String },
    #[error("{name}: chunk {seq} is damaged: {why}")]
    BadChunk {
        name: String,
        seq: usize,
        why: String,
    },
    #[error("{name}: chunk {seq} of {total} is missing")]
    MissingChunk {
        name: String,
        seq: usize,
        total: usize,
    },
    #[error("{name}: {got} bytes received, {want} announced")]
    Size {
        name: String,
        want: usize,
        got: usize,
    },
    #[error("{name}: checksum mismatch (crc32 {got:08x}, announced {want:08x})")]
    Checksum { name: String, want: u32, got: u32 },
}

/// Files received from the guest, by name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    pub files: BTreeMap<String, Vec<u8>>,
    /// The DONE line was seen: the guest sent everything it meant to.
    pub complete: bool,
}

/// Frames files for the serial line. Names must not contain whitespace.
pub fn encode(files: &[(String, Vec<u8>)]) -> String {
    let mut out = String::new();
    for (name, data) in files {
        let name: String = name
            .chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect();
        let chunks: Vec<&[u8]> = data.chunks(CHUNK).collect();
        out.push_str(&format!(
            "{BEGIN}{name} {} {:08x} {}\n",
            data.len(),
            crc32(data),
            chunks.len()
        ));
        for (i, c) in chunks.iter().enumerate() {
            out.push_str(&format!("{DATA}{i} {}\n", base64(c)));
        }
        out.push_str(&format!("{END}{name}\n"));
    }
    out.push_str(&format!("{DONE}{}\n", files.len()));
    out
}

struct Open {
    name: String,
    size: usize,
    crc: u32,
    total: usize,
    chunks: BTreeMap<usize, Vec<u8>>,
}

/// Reads every framed file out of `text` (serial output with any noise around it).
pub fn parse(text: &str) -> Result<Bundle, CollectError> {
    let mut bundle = Bundle::default();
    let mut open: Option<Open> = None;
    let mut seen_any = false;
    for raw in text.lines() {
        let Some(at) = raw.find("@@KD") else { continue };
        let line = raw[at..].trim_end_matches(['\r', '\n', ' ']);
        if let Some(rest) = line.strip_prefix(BEGIN) {
            seen_any = true;
            if let Some(o) = open.take() {
                return Err(CollectError::Truncated { name: o.name });
            }
            open = Some(begin(rest, line)?);
        } else if let Some(rest) = line.strip_prefix(DATA) {
            let Some(o) = open.as_mut() else { continue };
            let (seq, b64) = rest.split_once(' ').unwrap_or((rest, ""));
            let seq: usize = seq.parse().map_err(|_| CollectError::BadChunk {
                name: o.name.clone(),
                seq: o.chunks.len(),
                why: format!("bad sequence number {seq:?}"),
            })?;
            let bytes = unbase64(b64).map_err(|why| CollectError::BadChunk {
                name: o.name.clone(),
                seq,
                why,
            })?;
            o.chunks.insert(seq, bytes);
        } else if let Some(rest) = line.strip_prefix(END) {
            let Some(o) = open.take() else { continue };
            if rest != o.name {
                return Err(CollectError::Truncated { name: o.name });
            }
            let (name, data) = finish(o)?;
            bundle.files.insert(name, data);
        } else if line.starts_with(DONE) {
            if let Some(o) = open.take() {
                return Err(CollectError::Truncated { name: o.name });
            }
            bundle.complete = true;
        }
    }
    if let Some(o) = open {
        return Err(CollectError::Truncated { name: o.name });
    }
    if !seen_any {
        return Err(CollectError::Nothing);
    }
    Ok(bundle)
}

fn begin(rest: &str, line: &str) -> Result<Open, CollectError> {
    let f: Vec<&str> = rest.split_whitespace().collect();
    let bad = || CollectError::BadBegin {
        name: f.first().unwrap_or(&"?").to_string(),
        line: line.to_string(),
    };
    if f.len() != 4 {
        return Err(bad());
    }
    Ok(Open {
        name: f[0].to_string(),
        size: f[1].parse().map_err(|_| bad())?,
        crc: u32::from_str_radix(f[2], 16).map_err(|_| bad())?,
        total: f[3].parse().map_err(|_| bad())?,
        chunks: BTreeMap::new(),
    })
}

fn finish(o: Open) -> Result<(String, Vec<u8>), CollectError> {
    let mut data = Vec::with_capacity(o.size);
    for seq in 0..o.total {
        match o.chunks.get(&seq) {
            Some(c) => data.extend_from_slice(c),
            None => {
                return Err(CollectError::MissingChunk {
                    name: o.name,
                    seq,
                    total: o.total,
                });
            }
        }
    }
    if data.len() != o.size {
        return Err(CollectError::Size {
            name: o.name,
            want: o.size,
            got: data.len(),
        });
    }
    let got = crc32(&data);
    if got != o.crc {
        return Err(CollectError::Checksum {
            name: o.name,
            want: o.crc,
            got,
        });
    }
    Ok((o.name, data))
}

/// CRC-32 (IEEE 802.3, as zlib computes it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 with padding; the error says what was wrong.
pub fn unbase64(s: &str) -> Result<Vec<u8>, String> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(4) {
        return Err(format!("base64 length {} is not a multiple of 4", s.len()));
    }
    let val = |c: u8| -> Result<u32, String> {
        match c {
            b'A'..=b'Z' => Ok(u32::from(c - b'A')),
            b'a'..=b'z' => Ok(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Ok(u32::from(c - b'0') + 52),
            b'+' => Ok(62),
            b'/' => Ok(63),
            _ => Err(format!("byte {:?} is not base64", c as char)),
        }
    };
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let quads = s.len() / 4;
    for (qi, q) in s.chunks(4).enumerate() {
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && qi + 1 != quads) {
            return Err("misplaced '=' padding".into());
        }
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        let big: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        vec![
            ("root/summary.json".into(), br#"{"demos":[]}"#.to_vec()),
            ("root/landlock.cast".into(), big),
            ("empty".into(), Vec::new()),
        ]
    }

    #[test]
    fn base64_and_crc_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(unbase64("Zm9vYg==").unwrap(), b"foob");
        assert!(unbase64("Zm9v!mFy").is_err());
        assert!(unbase64("Zg==Zg==").is_err());
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn round_trip() {
        let b = parse(&encode(&files())).unwrap();
        assert!(b.complete);
        assert_eq!(b.files.len(), 3);
        for (name, data) in files() {
            assert_eq!(b.files[&name], data, "{name}");
        }
    }

    #[test]
    fn kernel_log_lines_interleaved() {
        let text = encode(&files());
        let mut noisy = String::from("[    0.000000] Linux version 6.1.0-57-amd64\nSeaBIOS\r\n");
        for (i, line) in text.lines().enumerate() {
            if i % 3 == 0 {
                noisy.push_str(&format!("[    1.{i:06}] random: crng init done\r\n"));
            }
            if i % 7 == 0 {
                // printk output glued in front of our line (no newline in between)
                noisy.push_str("[    2.5] audit: type=1326 ");
            }
            noisy.push_str(line);
            noisy.push_str("\r\n");
        }
        noisy.push_str("[    9.9] reboot: Power down\n");
        let b = parse(&noisy).unwrap();
        assert!(b.complete);
        assert_eq!(b.files["root/landlock.cast"], files()[1].1);
    }

    #[test]
    fn corrupted_chunk_is_a_clear_error() {
        let text = encode(&files());
        // flip one base64 character in chunk 3 of the big file: valid base64, wrong data
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let i = lines.iter().position(|l| l.starts_with("@@KD 3 ")).unwrap();
        let mut chars: Vec<char> = lines[i].chars().collect();
        let j = chars.len() - 5;
        chars[j] = if chars[j] == 'A' { 'B' } else { 'A' };
        lines[i] = chars.into_iter().collect();
        let err = parse(&lines.join("\n")).unwrap_err();
        assert!(
            matches!(&err, CollectError::Checksum { name, .. } if name == "root/landlock.cast"),
            "{err}"
        );
        assert!(err.to_string().contains("checksum mismatch"), "{err}");

        // a chunk with a non-base64 byte names the file and the chunk
        lines[i] = "@@KD 3 Zm9v*mFy".into();
        let err = parse(&lines.join("\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "root/landlock.cast: chunk 3 is damaged: byte '*' is not base64"
        );

        // a lost line → missing chunk
        lines.remove(i);
        let err = parse(&lines.join("\n")).unwrap_err();
        assert!(
            matches!(err, CollectError::MissingChunk { seq: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn truncated_and_empty_output() {
        assert_eq!(
            parse("[ 0.1] only kernel noise\n"),
            Err(CollectError::Nothing)
        );
        let text = encode(&files());
        let mid = text.len() / 2;
        assert!(parse(&text[..mid]).is_err(), "cut mid-line");
        let cut = &text[..=mid + text[mid..].find('\n').unwrap()];
        assert!(
            matches!(parse(cut), Err(CollectError::Truncated { .. })),
            "{:?}",
            parse(cut)
        );
    }
}
