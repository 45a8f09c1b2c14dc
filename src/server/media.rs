//! What an upload is, told by its content (never by its name), and a picture's preview.

use crate::model::PREVIEW_BOX;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;

/// The types Parley accepts: pictures (shown inline, with a preview), PDF, ZIP and plain text
/// (offered as downloads).
pub const PICTURES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
pub const DOCUMENTS: [&str; 2] = ["application/pdf", "application/zip"];
pub const TEXT: &str = "text/plain";

/// The type of `bytes`, if Parley accepts it: a known signature, or else UTF-8 text without
/// control characters other than line breaks and tabs.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(bytes) {
        let mime = kind.mime_type();
        return PICTURES.iter().chain(DOCUMENTS.iter()).copied().find(|&m| m == mime);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let plain = text.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    plain.then_some(TEXT)
}

/// A decoded picture: its upright size, and its preview.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    /// A JPEG (a PNG when the picture has transparency) at most twice [`PREVIEW_BOX`].
    pub thumb: Vec<u8>,
}

/// Largest picture Parley decodes, per side, and the memory its decoder may take: a small file
/// can claim a huge size (a "decompression bomb").
const MAX_SIDE: u32 = 12_000;
const MAX_DECODER_BYTES: u64 = 256 * 1024 * 1024;

/// Decodes a picture (CPU work: call it off the async runtime) and makes its preview, turned
/// upright as its EXIF orientation says. `None`: not a picture this decoder can read, or past
/// the limits.
pub fn picture(bytes: &[u8]) -> Option<Picture> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).ok()?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    let (box_w, box_h) = PREVIEW_BOX;
    let (w, h) = ((box_w * 2) as u32, (box_h * 2) as u32);
    let small =
        if image.width() > w || image.height() > h { image.thumbnail(w, h) } else { image.clone() };
    let mut thumb = Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut thumb, ImageFormat::Png).ok()?;
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut thumb, 82);
        small.to_rgb8().write_with_encoder(encoder).ok()?;
    }
    Some(Picture { width: image.width(), height: image.height(), thumb: thumb.into_inner() })
}

/// The name a file is kept under: its last path component, without control characters, at
/// most 200 characters; "file" when nothing is left.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String =
        last.chars().filter(|c| !c.is_control()).take(200).collect::<String>().trim().to_owned();
    if clean.is_empty() || clean == "." || clean == ".." {
        "file".to_owned()
    } else {
        clean
    }
}

/// `Content-Disposition` for a download of `name`: an ASCII fallback and the exact name
/// (RFC 6266 / RFC 5987).
pub fn disposition(kind: &str, name: &str) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let exact = utf8_percent_encode(name, NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content() {
        let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        assert_eq!(sniff(&png), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff("héllo\nworld\t!".as_bytes()), Some(TEXT));
        // An executable, whatever its name, and binary junk, are refused.
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"), None);
        assert_eq!(sniff(&[0xff, 0xfe, 0x00, 0x01]), None);
        assert_eq!(sniff(b"text with a \x1b escape"), None);
    }

    #[test]
    fn names_lose_their_paths() {
        assert_eq!(file_name("C:\\Users\\ada\\cat.png"), "cat.png");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(file_name(".."), "file");
        assert_eq!(
            disposition("attachment", "ré sumé\".pdf"),
            "attachment; filename=\"r_ sum__.pdf\"; filename*=UTF-8''r%C3%A9%20sum%C3%A9%22%2Epdf"
        );
    }
}
