//! Logging with `tracing`; `RUST_LOG` picks what is shown, `EHEALTH_LOG_FORMAT` how:
//! `text` (the default, one line per event) or `json` (one JSON object per line, with
//! the request span's fields, for a log collector).

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `EHEALTH_LOG_FORMAT`: `json`, or `text`/unset. Anything else is refused, so a typo
    /// does not quietly give the collector lines it cannot parse.
    pub fn from_env_value(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(format!(
                "EHEALTH_LOG_FORMAT: `{other}` is neither `text` nor `json`"
            )),
        }
    }
}

/// Sets up logging once; an unknown `EHEALTH_LOG_FORMAT` is returned as the error (the
/// caller stops), logging as text meanwhile.
pub fn init() -> Result<(), String> {
    let format = LogFormat::from_env_value(std::env::var("EHEALTH_LOG_FORMAT").ok().as_deref());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        Ok(LogFormat::Json) => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        _ => builder.try_init(),
    };
    format.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_format_is_text_json_or_refused() {
        assert_eq!(LogFormat::from_env_value(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::from_env_value(Some("json")), Ok(LogFormat::Json));
        assert_eq!(LogFormat::from_env_value(Some("text")), Ok(LogFormat::Text));
        let err = LogFormat::from_env_value(Some("jsno")).expect_err("typo");
        assert!(err.contains("EHEALTH_LOG_FORMAT"), "{err}");
    }
}
