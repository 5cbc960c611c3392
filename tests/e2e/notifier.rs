//! End-to-end tests of the notifier issue.
