//! QR codes as SVG (issues 3 and 4).
