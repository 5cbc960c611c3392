DROP TABLE audit_verified;
DROP TABLE audit_tree_head;
DROP TABLE audit_checkpoints;
DROP TABLE audit_tree_nodes;
DROP TABLE audit_leaves;
DROP FUNCTION audit_tree_append_only();
DROP TABLE audit_pending;
DROP SEQUENCE audit_log_seq;
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
