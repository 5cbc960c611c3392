//! FCM HTTP v1 push client (issue 5).
