//! End-to-end tests of the ivr issue.
