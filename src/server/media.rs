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
    let image = decode(bytes)?;
    let (box_w, box_h) = PREVIEW_BOX;
    let (w, h) = ((box_w * 2) as u32, (box_h * 2) as u32);
    let small =
        if image.width() > w || image.height() > h { image.thumbnail(w, h) } else { image.clone() };
    let (thumb, _) = encode(&small)?;
    Some(Picture { width: image.width(), height: image.height(), thumb })
}

/// Side of a person's picture, in pixels: twice the largest avatar on a page (2.25 rem).
pub const AVATAR_SIDE: u32 = 96;

/// A person's picture from an uploaded one (CPU work: off the async runtime): upright, its
/// middle square, [`AVATAR_SIDE`] pixels a side (smaller ones are kept at their size), and its
/// type. `None`: not a picture this decoder can read, or past the limits.
pub fn avatar(bytes: &[u8]) -> Option<(Vec<u8>, &'static str)> {
    let image = decode(bytes)?;
    let side = image.width().min(image.height());
    let square =
        image.crop_imm((image.width() - side) / 2, (image.height() - side) / 2, side, side);
    let small = if side > AVATAR_SIDE {
        square.resize_exact(AVATAR_SIDE, AVATAR_SIDE, image::imageops::FilterType::Lanczos3)
    } else {
        square
    };
    encode(&small)
}

/// Decodes a picture within the limits, turned upright as its EXIF orientation says.
fn decode(bytes: &[u8]) -> Option<DynamicImage> {
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
    Some(image)
}

/// A JPEG, or a PNG when the picture has transparency, and its type.
fn encode(image: &DynamicImage) -> Option<(Vec<u8>, &'static str)> {
    let mut out = Cursor::new(Vec::new());
    let kind = if image.color().has_alpha() {
        image.write_to(&mut out, ImageFormat::Png).ok()?;
        "image/png"
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
        image.to_rgb8().write_with_encoder(encoder).ok()?;
        "image/jpeg"
    };
    Some((out.into_inner(), kind))
}

/// The picture of someone who has not chosen one: their initial, white on the colour their
/// name gives (`model::name_hue`: one of twelve hues), as SVG.
pub fn initial_avatar(name: &str) -> String {
    let initial: String =
        name.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    let hue = crate::model::name_hue(name) * 30;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\">\
         <rect width=\"64\" height=\"64\" fill=\"oklch(0.45 0.13 {hue})\"/>\
         <text x=\"32\" y=\"32\" dy=\"0.35em\" text-anchor=\"middle\" fill=\"#fff\" \
         font-family=\"system-ui, sans-serif\" font-weight=\"700\" font-size=\"28\">{}</text></svg>",
        html_escape::encode_text(&initial)
    )
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
    fn an_avatar_is_the_middle_square_made_small() {
        let wide = DynamicImage::new_rgb8(400, 200);
        let mut png = Cursor::new(Vec::new());
        wide.write_to(&mut png, ImageFormat::Png).expect("a PNG is written");
        let (bytes, kind) = avatar(png.get_ref()).expect("a picture");
        assert_eq!(kind, "image/jpeg");
        let made = image::load_from_memory(&bytes).expect("a readable JPEG");
        assert_eq!((made.width(), made.height()), (AVATAR_SIDE, AVATAR_SIDE));
        assert!(avatar(b"not a picture").is_none());
    }

    #[test]
    fn an_initial_avatar_is_escaped_svg() {
        let svg = initial_avatar("<b>ob");
        assert!(svg.starts_with("<svg") && svg.contains(">&lt;</text>"), "{svg}");
        assert!(initial_avatar("ada").contains(">A</text>"));
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
