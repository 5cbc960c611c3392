//! The domain of the eHealth consent platform: identifiers, rules, storage, configuration.
//! Services (api, ivr, notifier) are thin adapters over this crate; it knows nothing of
//! HTTP.

pub mod actions;
pub mod config;
pub mod context;
pub mod db;
pub mod domain;
pub mod error;
pub mod error_code;
pub mod hash_pool;
pub mod hong_kong_time;
pub mod ids;
pub mod metrics;
pub mod rules;
pub mod seal;
pub mod secret;
pub mod synthetic;
pub mod telemetry;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod tlog;

pub use error::{CoreError, CoreResult, ErrorKind};
pub use error_code::ErrorCode;
