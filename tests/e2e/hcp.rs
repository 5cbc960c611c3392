//! End-to-end tests of the hcp issue.
