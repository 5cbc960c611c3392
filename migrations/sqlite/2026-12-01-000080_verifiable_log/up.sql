-- The verifiable access log (issue 12). An append queues its entry in audit_pending (its
-- seq is MAX + 1 under SQLite's one write lock); the sequencer integrates pending entries
-- as Merkle leaves. The hash-chain columns stay for history (empty from now on).
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
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY NOT NULL,
    root_hash BLOB NOT NULL,
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
    frontier BLOB NOT NULL,
    verified_at TIMESTAMP NOT NULL
);

CREATE TRIGGER audit_leaves_no_update BEFORE UPDATE ON audit_leaves
BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;
CREATE TRIGGER audit_leaves_no_delete BEFORE DELETE ON audit_leaves
BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;
CREATE TRIGGER audit_tree_nodes_no_update BEFORE UPDATE ON audit_tree_nodes
BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;
CREATE TRIGGER audit_tree_nodes_no_delete BEFORE DELETE ON audit_tree_nodes
BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;
