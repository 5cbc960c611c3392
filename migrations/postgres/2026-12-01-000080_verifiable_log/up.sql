-- The verifiable access log (issue 12). An append takes no shared lock: its seq comes
-- from a sequence and it is queued in audit_pending; the sequencer integrates pending
-- entries as Merkle leaves. The hash-chain columns stay for history (empty from now on).
CREATE SEQUENCE audit_log_seq OWNED BY audit_log.seq;
SELECT setval('audit_log_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), false);
DROP TABLE audit_head;

CREATE TABLE audit_pending (seq BIGINT PRIMARY KEY NOT NULL);
-- Existing entries become the first leaves, in their order.
INSERT INTO audit_pending (seq) SELECT seq FROM audit_log;

CREATE TABLE audit_leaves (
    leaf_index BIGINT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL UNIQUE
);
-- Complete subtrees only (level 0 = leaf hashes): written once, never changed.
CREATE TABLE audit_tree_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY NOT NULL,
    root_hash BYTEA NOT NULL,
    note TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL
);
-- One row: the tree the sequencer has integrated; its update is the sequencers' lock.
CREATE TABLE audit_tree_head (
    id INTEGER PRIMARY KEY NOT NULL,
    tree_size BIGINT NOT NULL
);
INSERT INTO audit_tree_head (id, tree_size) VALUES (1, 0);
-- The last checkpoint `ehealth audit verify` verified, with its compact range.
CREATE TABLE audit_verified (
    id INTEGER PRIMARY KEY NOT NULL,
    tree_size BIGINT NOT NULL,
    note TEXT NOT NULL,
    frontier BYTEA NOT NULL,
    verified_at TIMESTAMP NOT NULL
);

CREATE FUNCTION audit_tree_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit tree is append-only';
END;
$$;
CREATE TRIGGER audit_leaves_no_change BEFORE UPDATE OR DELETE ON audit_leaves
    FOR EACH ROW EXECUTE FUNCTION audit_tree_append_only();
CREATE TRIGGER audit_tree_nodes_no_change BEFORE UPDATE OR DELETE ON audit_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION audit_tree_append_only();
