//! End-to-end tests of the provider counter and the Office (issue 4), over HTTP on both
//! databases.

mod busy;
mod counter;
mod dead_jobs;
mod fhir;
mod form_consent;
mod guessing;
pub(crate) mod helpers;
mod journey;
mod matrix;
mod office;
mod portal;
mod portal_accounts;
mod portal_forms;
mod portal_http;
mod provider_lifecycle;
pub(crate) mod providers;
