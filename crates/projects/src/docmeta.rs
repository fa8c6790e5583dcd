//! Authoring metadata of the documents inside a decrypted bid (实施条例 40(1): bid files of different
//! bidders prepared by the same unit or person). Read after opening from the documents themselves —
//! PDF Info (`/Author`, `/Creator`, `/Producer`) and OOXML `docProps/core.xml` (`dc:creator`,
//! `cp:lastModifiedBy`) and `docProps/app.xml` (`Application`) — never from the upload tool's
//! `X-File-Creator` header, which the official tool stamps identically on every upload.
//!
//! Only the *authors* (who prepared the file) feed `collusion.same_file_creator`; the software
//! fields (`/Creator`, `/Producer`, `Application`) are the same for every user of a word processor
//! and are kept as evidence only.

use serde::Serialize;
use std::io::Read;

/// What one document says about its making.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DocMeta {
    /// People: PDF `/Author`; OOXML `dc:creator`, `cp:lastModifiedBy`.
    pub authors: Vec<String>,
    /// Software: PDF `/Creator`, `/Producer`; OOXML `Application`.
    pub software: Vec<String>,
}

/// Longest metadata value kept (characters).
const MAX_VALUE: usize = 200;
/// Largest OOXML part inflated (bytes).
const MAX_PART: u64 = 1024 * 1024;

fn clean(v: String) -> Option<String> {
    let v: String = v.trim().chars().take(MAX_VALUE).collect();
    (!v.is_empty()).then_some(v)
}

/// The metadata of one document, recognized by its first bytes; empty for other formats.
pub fn read(doc: &[u8]) -> DocMeta {
    if doc.starts_with(b"%PDF-") {
        pdf(doc)
    } else if doc.starts_with(b"PK\x03\x04") {
        ooxml(doc)
    } else {
        DocMeta::default()
    }
}

// --- PDF ---------------------------------------------------------------------------------------

/// The last value of `/key` in the file (incremental updates append the newest Info last).
fn pdf_value(doc: &[u8], key: &[u8]) -> Option<String> {
    let mut found = None;
    let mut i = 0;
    while let Some(p) = find(&doc[i..], key) {
        let at = i + p + key.len();
        i = at;
        // `/Author` must not match `/AuthorX`.
        if doc.get(at).is_some_and(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let mut j = at;
        while doc.get(j).is_some_and(|b| b.is_ascii_whitespace()) {
            j += 1;
        }
        let v = match doc.get(j) {
            Some(b'(') => literal(&doc[j + 1..]),
            Some(b'<') if doc.get(j + 1) != Some(&b'<') => hexstring(&doc[j + 1..]),
            _ => None,
        };
        if let Some(v) = v.and_then(clean) {
            found = Some(v);
        }
    }
    found
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A PDF literal string after its `(`: escapes and balanced parentheses.
fn literal(s: &[u8]) -> Option<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() && out.len() < 4 * MAX_VALUE {
        match s[i] {
            b'\\' => {
                i += 1;
                match s.get(i)? {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    d @ b'0'..=b'7' => {
                        let mut v = u32::from(d - b'0');
                        for _ in 0..2 {
                            match s.get(i + 1) {
                                Some(d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push((v & 0xff) as u8);
                    }
                    b'\r' | b'\n' => {}
                    c => out.push(*c),
                }
            }
            b'(' => {
                depth += 1;
                out.push(b'(');
            }
            b')' if depth == 0 => return Some(pdf_text(&out)),
            b')' => {
                depth -= 1;
                out.push(b')');
            }
            c => out.push(c),
        }
        i += 1;
    }
    None
}

fn hexstring(s: &[u8]) -> Option<String> {
    let end = s.iter().position(|b| *b == b'>')?;
    let digits: Vec<u8> = s[..end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut bytes = Vec::new();
    for pair in digits.chunks(2) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = pair.get(1).map_or(Some(0), |b| (*b as char).to_digit(16))?;
        bytes.push((hi * 16 + lo) as u8);
    }
    Some(pdf_text(&bytes))
}

/// A PDF text string: UTF-16BE with a byte-order mark, UTF-8 with one (PDF 2.0), else
/// PDFDocEncoding (read as Latin-1, which it equals for printable text).
fn pdf_text(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = b.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| c as char).collect()
    }
}

fn pdf(doc: &[u8]) -> DocMeta {
    let mut m = DocMeta::default();
    m.authors.extend(pdf_value(doc, b"/Author"));
    m.software.extend(pdf_value(doc, b"/Creator"));
    m.software.extend(pdf_value(doc, b"/Producer"));
    m
}

// --- OOXML (zip) -------------------------------------------------------------------------------

fn u16_at(b: &[u8], i: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes(
        b.get(i..i + 2)?.try_into().ok()?,
    )))
}

fn u32_at(b: &[u8], i: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?)).ok()
}

/// The inflated bytes of the zip entry `name`, found through the central directory.
fn zip_entry(zip: &[u8], name: &str) -> Option<Vec<u8>> {
    // End of central directory: 22 bytes plus a comment of at most 65 535.
    let from = zip.len().saturating_sub(22 + 65_535);
    let eocd = from + zip[from..].windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let entries = u16_at(zip, eocd + 10)?;
    let mut at = u32_at(zip, eocd + 16)?;
    for _ in 0..entries {
        if zip.get(at..at + 4)? != b"PK\x01\x02" {
            return None;
        }
        let method = u16_at(zip, at + 10)?;
        let csize = u32_at(zip, at + 20)?;
        let (n, e, c) = (
            u16_at(zip, at + 28)?,
            u16_at(zip, at + 30)?,
            u16_at(zip, at + 32)?,
        );
        let local = u32_at(zip, at + 42)?;
        let entry_name = zip.get(at + 46..at + 46 + n)?;
        if entry_name == name.as_bytes() {
            if zip.get(local..local + 4)? != b"PK\x03\x04" {
                return None;
            }
            let data = local + 30 + u16_at(zip, local + 26)? + u16_at(zip, local + 28)?;
            let raw = zip.get(data..data.checked_add(csize)?)?;
            return match method {
                0 => Some(raw.iter().take(MAX_PART as usize).copied().collect()),
                8 => {
                    let mut out = Vec::new();
                    flate2::read::DeflateDecoder::new(raw)
                        .take(MAX_PART)
                        .read_to_end(&mut out)
                        .ok()?;
                    Some(out)
                }
                _ => None,
            };
        }
        at += 46 + n + e + c;
    }
    None
}

/// The text of the first `<tag …>text</tag>` in `xml`, entities decoded.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}");
    let mut i = 0;
    while let Some(p) = xml[i..].find(&open) {
        let start = i + p + open.len();
        i = start;
        // `<dc:creator>` or `<dc:creator attr…>`, not `<dc:creatorX>` nor `<dc:creator/>`.
        let rest = &xml[start..];
        let gt = rest.find('>')?;
        let head = &rest[..gt];
        if !(head.is_empty() || head.starts_with(char::is_whitespace)) || head.ends_with('/') {
            continue;
        }
        let body = &rest[gt + 1..];
        let end = body.find(&format!("</{tag}>"))?;
        let text = body[..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        return clean(text);
    }
    None
}

fn ooxml(doc: &[u8]) -> DocMeta {
    let mut m = DocMeta::default();
    if let Some(core) = zip_entry(doc, "docProps/core.xml") {
        let core = String::from_utf8_lossy(&core);
        for tag in ["dc:creator", "cp:lastModifiedBy"] {
            if let Some(v) = xml_text(&core, tag) {
                if !m.authors.contains(&v) {
                    m.authors.push(v);
                }
            }
        }
    }
    if let Some(app) = zip_entry(doc, "docProps/app.xml") {
        m.software
            .extend(xml_text(&String::from_utf8_lossy(&app), "Application"));
    }
    m
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal PDF whose Info dictionary names `author` (as a UTF-16BE hex string when not ASCII).
    pub fn pdf_by(author: &str) -> Vec<u8> {
        let a = if author.is_ascii() {
            format!("({author})")
        } else {
            let mut h = String::from("<FEFF");
            for u in author.encode_utf16() {
                h.push_str(&format!("{u:04X}"));
            }
            h + ">"
        };
        format!(
            "%PDF-1.7\n1 0 obj\n<< /Title (x) /Author {a} /Creator (Microsoft\\256 Word 2016) /Producer (Microsoft\\(R\\) Word) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n"
        )
        .into_bytes()
    }

    /// A minimal OOXML package (zip, deflated parts) with core.xml naming `creator`.
    pub fn docx_by(creator: &str, last: &str) -> Vec<u8> {
        let core = format!(
            "<?xml version=\"1.0\"?><cp:coreProperties xmlns:cp=\"x\" xmlns:dc=\"y\"><dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{last}</cp:lastModifiedBy></cp:coreProperties>"
        );
        let app = "<Properties><Application>WPS Office</Application></Properties>";
        let mut zip = Vec::new();
        let mut central = Vec::new();
        let parts = [
            ("docProps/core.xml", core.as_bytes()),
            ("docProps/app.xml", app.as_bytes()),
        ];
        for (name, data) in parts {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(data).unwrap();
            let comp = enc.finish().unwrap();
            let offset = zip.len() as u32;
            zip.extend_from_slice(b"PK\x03\x04");
            zip.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
            zip.extend_from_slice(&0u32.to_le_bytes()); // crc (not checked)
            zip.extend_from_slice(&(comp.len() as u32).to_le_bytes());
            zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
            zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
            zip.extend_from_slice(&0u16.to_le_bytes());
            zip.extend_from_slice(name.as_bytes());
            zip.extend_from_slice(&comp);
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&0u32.to_le_bytes());
            central.extend_from_slice(&(comp.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_at = zip.len() as u32;
        zip.extend_from_slice(&central);
        zip.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        zip.extend_from_slice(&(parts.len() as u16).to_le_bytes());
        zip.extend_from_slice(&(parts.len() as u16).to_le_bytes());
        zip.extend_from_slice(&(central.len() as u32).to_le_bytes());
        zip.extend_from_slice(&cd_at.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip
    }

    #[test]
    fn pdf_info_authors_and_software() {
        let m = read(&pdf_by("Zhang San"));
        assert_eq!(m.authors, ["Zhang San"]);
        assert_eq!(
            m.software,
            ["Microsoft\u{ae} Word 2016", "Microsoft(R) Word"]
        );
        assert_eq!(read(&pdf_by("张三")).authors, ["张三"]);
        // An incremental update: the last Info wins.
        let mut two = pdf_by("Old");
        two.extend_from_slice(b"2 0 obj << /Author (New) >> endobj\n");
        assert_eq!(read(&two).authors, ["New"]);
        // No Info, or an empty author: nothing.
        assert_eq!(read(b"%PDF-1.7 bid"), DocMeta::default());
        assert!(read(&pdf_by("  ")).authors.is_empty());
    }

    #[test]
    fn ooxml_core_and_app_properties() {
        let m = read(&docx_by("李四 &amp; Co", "王五"));
        assert_eq!(m.authors, ["李四 & Co", "王五"]);
        assert_eq!(m.software, ["WPS Office"]);
        // Same person twice is listed once.
        assert_eq!(read(&docx_by("李四", "李四")).authors, ["李四"]);
        // Truncated or foreign bytes never panic.
        let d = docx_by("a", "b");
        for n in [0, 4, 30, d.len() / 2, d.len() - 5] {
            let _ = read(&d[..n]);
        }
        assert_eq!(read(b"plain text"), DocMeta::default());
    }
}
