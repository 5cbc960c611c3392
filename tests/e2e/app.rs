//! End-to-end tests of the app issue.
