DROP INDEX IF EXISTS postal_letters_run;
ALTER TABLE postal_letters DROP COLUMN reference;
ALTER TABLE postal_letters DROP COLUMN page;
ALTER TABLE postal_letters DROP COLUMN run_no;
DROP TABLE IF EXISTS postal_run_counter;
DROP TABLE IF EXISTS postal_batch_runs;
