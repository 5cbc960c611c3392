-- Each `ehealth postal batch` run is numbered; its letters carry the run, their page in
-- the run's PDF and the reference printed on them, so that a run's files can be made
-- again (`ehealth postal reprint --run N`) and two runs never take the same letter.
CREATE TABLE postal_batch_runs (
    run_no BIGINT PRIMARY KEY NOT NULL,
    mailing_date TEXT NOT NULL,
    letters INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    printed_at TIMESTAMP
);
-- One row: the last run number handed out. Taking a number updates (locks) this row, so
-- concurrent runs are numbered one after the other.
CREATE TABLE postal_run_counter (
    id INTEGER PRIMARY KEY NOT NULL,
    last_run BIGINT NOT NULL
);
INSERT INTO postal_run_counter (id, last_run) VALUES (1, 0);
ALTER TABLE postal_letters ADD COLUMN run_no BIGINT;
ALTER TABLE postal_letters ADD COLUMN page INTEGER;
ALTER TABLE postal_letters ADD COLUMN reference TEXT;
CREATE INDEX postal_letters_run ON postal_letters (run_no, page);
