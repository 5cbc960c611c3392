//! QR codes as SVG: the access key for the counter to scan, the TOTP enrolment URI.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

#[derive(Debug, thiserror::Error)]
#[error("cannot encode a QR code: {0}")]
pub struct QrError(String);

/// An SVG document showing `text` as a QR code (medium error correction).
pub fn svg(text: &str) -> Result<String, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| QrError(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_svg_whose_size_grows_with_the_text() {
        let short = svg("12345678").expect("svg");
        assert!(short.starts_with("<?xml") && short.contains("<svg"));
        let long =
            svg(&"otpauth://totp/eHealth:drchan?secret=JBSWY3DPEHPK3PXP".repeat(4)).expect("svg");
        assert!(long.len() > short.len());
    }
}
