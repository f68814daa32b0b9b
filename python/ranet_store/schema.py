"""The ranet experiment store schema, version 2: the same SQL as the Swift migrations
(Sources/ExperimentStore/Schema.swift, ``createVersion1`` and ``version2SQL``). Never edit it here alone: a store written by this
package must open in ``ranet`` and ``ranet-tui`` unchanged, and the Swift test suite compares the two.
"""

#: ``PRAGMA application_id`` of a ranet store: the ASCII bytes "RNET".
APPLICATION_ID = 0x524E4554

#: Schema version (``PRAGMA user_version``) this package reads and writes.
SCHEMA_VERSION = 2

#: Statements of migration 0 -> 1, in the Swift order.
SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    architecture TEXT NOT NULL,
    config_json TEXT NOT NULL,
    dataset TEXT NOT NULL,
    train_size INTEGER NOT NULL,
    validation_size INTEGER NOT NULL,
    test_size INTEGER NOT NULL,
    hyper_parameters_json TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    checkpoint_paths TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    epochs_planned INTEGER NOT NULL,
    epochs_done INTEGER NOT NULL
);
CREATE TABLE step_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    exit_losses BLOB NOT NULL,
    total_loss REAL NOT NULL,
    learning_rate REAL NOT NULL,
    images_per_second REAL NOT NULL,
    wall_time REAL NOT NULL,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
CREATE TABLE epoch_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    validation_loss BLOB NOT NULL,
    validation_accuracy BLOB NOT NULL,
    wall_time REAL NOT NULL,
    PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    checkpoint_path TEXT NOT NULL,
    split TEXT NOT NULL,
    exit_count INTEGER NOT NULL,
    exit_flops BLOB NOT NULL,
    exit_params BLOB NOT NULL,
    exit_accuracy BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX evaluations_by_run ON evaluations(run_id);
CREATE TABLE samples (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    sample_index INTEGER NOT NULL,
    label INTEGER NOT NULL,
    max_prob BLOB NOT NULL,
    entropy BLOB NOT NULL,
    margin BLOB NOT NULL,
    predicted BLOB NOT NULL,
    PRIMARY KEY (evaluation_id, sample_index)
) WITHOUT ROWID;
CREATE TABLE sample_images (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    sample_index INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    pixels BLOB NOT NULL,
    PRIMARY KEY (evaluation_id, sample_index)
) WITHOUT ROWID;
CREATE TABLE budget_curves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (evaluation_id, policy)
);
CREATE TABLE budget_points (
    curve_id INTEGER NOT NULL REFERENCES budget_curves(id) ON DELETE CASCADE,
    point_index INTEGER NOT NULL,
    parameter REAL NOT NULL,
    thresholds BLOB NOT NULL,
    expected_flops REAL NOT NULL,
    accuracy REAL NOT NULL,
    PRIMARY KEY (curve_id, point_index)
) WITHOUT ROWID;
"""


#: Statements of migration 1 -> 2, in the Swift order.
SCHEMA_V2 = """
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN data_source_json TEXT NOT NULL DEFAULT '';
CREATE TABLE store_identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    store_id TEXT NOT NULL
);
INSERT INTO store_identity (singleton, store_id) VALUES (1, lower(hex(randomblob(16))));
CREATE TABLE exit_benchmarks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    host TEXT NOT NULL,
    threads INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    result_json TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX exit_benchmarks_by_run ON exit_benchmarks(run_id);
"""

#: Migration ``i`` takes the schema from version ``i`` to ``i + 1``.
MIGRATIONS = [SCHEMA_V1, SCHEMA_V2]


def statements(sql=SCHEMA_V1):
    """The schema split into single statements (``sqlite3`` executes one at a time inside a transaction)."""
    return [part.strip() for part in sql.split(";") if part.strip()]
