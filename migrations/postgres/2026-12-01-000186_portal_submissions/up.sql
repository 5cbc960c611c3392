-- The eHR portal's state-changing forms (issue 18): each rendered form carries a random
-- id; the first post of it claims the row, a second (a double click, a resend) finds it
-- taken and is shown the outcome instead of acting again.
CREATE TABLE portal_submissions (
    form_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    claimed_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
