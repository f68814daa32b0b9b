import GRDB

/// The store schema as an ordered list of forward migrations; `PRAGMA user_version` holds how many have run.
enum Schema {
    /// Marks the file as a ranet store (`PRAGMA application_id`, the ASCII bytes "RNET").
    static let applicationID: Int32 = 0x524E_4554

    /// Migration `i` takes the schema from version `i` to `i + 1`. Never edit a shipped entry; append.
    static let migrations: [@Sendable (Database) throws -> Void] = [createVersion1, addVersion2]

    /// Newest schema version this build writes.
    static var currentVersion: Int { migrations.count }

    private static func createVersion1(_ db: Database) throws {
        try db.execute(
            sql: """
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
                """)
    }

    /// Version 2: who trains a run (so a second writer is refused), the run it was derived from (IMTA stage 2),
    /// where its data comes from (runs trained elsewhere), the store's own identity (so checkpoints of two stores
    /// never collide) and measured early-exit benchmarks.
    private static func addVersion2(_ db: Database) throws {
        try db.execute(sql: version2SQL)
    }

    /// The statements of migration 1 -> 2, shared with the Python logger (python/ranet_store/schema.py).
    static let version2SQL = """
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

    /// Brings the schema to `currentVersion`, refusing newer and foreign databases. Runs in one immediate
    /// transaction so two processes opening a fresh store at once cannot both migrate.
    static func migrate(_ db: Database, path: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        try refuseUnknown(db, version: version, path: path)
        guard version < currentVersion else { return }
        for index in version..<currentVersion {
            try migrations[index](db)
        }
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(currentVersion)")
    }

    /// Reads the stored version, throwing for a newer schema or a database ranet did not create.
    static func refuseUnknown(_ db: Database, version: Int, path: String) throws {
        if version > currentVersion {
            throw StoreError.newerSchema(path: path, found: version, supported: currentVersion)
        }
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if version == 0 {
            let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            if tableCount > 0 { throw StoreError.foreignDatabase(path: path) }
        } else if applicationID != Schema.applicationID {
            throw StoreError.foreignDatabase(path: path)
        }
    }

    /// Whether the schema needs migrating (checked with a plain read, so an up-to-date store never takes the
    /// write lock on open).
    static func needsMigration(_ db: Database, path: String) throws -> Bool {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        try refuseUnknown(db, version: version, path: path)
        return version < currentVersion
    }
}
