import Foundation
import GRDB
import SeededRandom
import Testing

@testable import ExperimentStore

@Suite struct StoreFileTests {
    @Test func migratesANewAndAnEmptyFileToTheCurrentSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let empty = directory.file("empty.sqlite")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        for path in [directory.file("new.sqlite"), empty] {
            let store = try ExperimentStore(path: path)
            #expect(try store.storedSchemaVersion() == ExperimentStore.schemaVersion)
            #expect(try store.quickCheck().isEmpty)
            #expect(try store.runs().isEmpty)
            #expect(fileBytes(path)?.prefix(16) == Data("SQLite format 3\0".utf8))
        }
    }

    @Test func reopeningKeepsDataAndDoesNotMigrateAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let runID = try ExperimentStore(path: path).createRun(sampleRun())
        let reopened = try ExperimentStore(path: path)
        #expect(try reopened.storedRun(id: runID)?.name == "fmnist-ranet")
        #expect(try reopened.storedSchemaVersion() == ExperimentStore.schemaVersion)
    }

    @Test func nonSQLiteFileIsRefusedAndLeftUnchanged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("thesis.sqlite")
        let original = Data("my thesis notes, not a database\n".utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: original))
        #expect(throws: StoreError.notSQLite(path: path)) { try ExperimentStore(path: path) }
        #expect(fileBytes(path) == original)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func corruptSQLiteFileIsRefusedAndLeftUnchanged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("corrupt.sqlite")
        var generator = SplitMix64(seed: 7)
        let noise = (0..<8192).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let original = Data("SQLite format 3\0".utf8) + Data(noise)
        #expect(FileManager.default.createFile(atPath: path, contents: original))
        let error = #expect(throws: StoreError.self) { try ExperimentStore(path: path) }
        #expect("\(error!)".contains(path))
        #expect(fileBytes(path) == original)
    }

    @Test func aVersion1StoreMigratesKeepingItsRunsAndGainsAnIdentity() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("v1.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try Schema.migrations[0](db)
                try db.execute(sql: "PRAGMA application_id = \(Schema.applicationID)")
                try db.execute(sql: "PRAGMA user_version = 1")
                try db.execute(
                    sql: """
                        INSERT INTO runs (name, architecture, config_json, dataset, train_size, validation_size,
                            test_size, hyper_parameters_json, seed, status, created_at, updated_at, heartbeat_at,
                            epochs_planned, epochs_done)
                        VALUES ('old', 'ranet', '{}', 'fmnist', 1, 1, 1, '{}', 0, 'finished', 0, 0, 0, 1, 1)
                        """)
            }
        }
        let store = try ExperimentStore(path: path)
        #expect(try store.storedSchemaVersion() == ExperimentStore.schemaVersion)
        #expect(try store.quickCheck().isEmpty && store.rowCount(table: "runs") == 1)
        let identity = try store.read { try String.fetchOne($0, sql: "SELECT store_id FROM store_identity") }
        #expect(identity?.count == 32)
    }

    @Test func newerSchemaIsRefusedWithoutTouchingTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("future.sqlite")
        do {
            let store = try ExperimentStore(path: path)
            try store.createRun(sampleRun())
            try store.executeForTesting("PRAGMA user_version = \(ExperimentStore.schemaVersion + 1)")
        }
        let before = fileBytes(path)
        let error = #expect(throws: StoreError.self) { try ExperimentStore(path: path) }
        #expect(
            error
                == .newerSchema(
                    path: path, found: ExperimentStore.schemaVersion + 1,
                    supported: ExperimentStore.schemaVersion))
        #expect(fileBytes(path) == before)
    }

    @Test func sqliteDatabaseOfAnotherProgramIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("other.sqlite")
        do {
            let store = try ExperimentStore(path: path)
            try store.executeForTesting("PRAGMA user_version = 0")
        }
        #expect(throws: StoreError.foreignDatabase(path: path)) { try ExperimentStore(path: path) }
    }

    @Test func missingDirectoryIsReportedAndNotCreated() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("no/such/dir/store.sqlite")
        let error = #expect(throws: StoreError.self) { try ExperimentStore(path: path) }
        #expect(error == .missingDirectory(path: path, directory: directory.file("no/such/dir")))
        #expect("\(error!)".contains(path))
        #expect(!FileManager.default.fileExists(atPath: directory.file("no")))
    }

    @Test func readOnlyFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        _ = try ExperimentStore(path: path).createRun(sampleRun())
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        let before = fileBytes(path)
        let error = #expect(throws: StoreError.self) { try ExperimentStore(path: path) }
        guard case .readOnly(let reportedPath, _) = error else {
            Issue.record("expected readOnly, got \(String(describing: error))")
            return
        }
        #expect(reportedPath == path)
        #expect(fileBytes(path) == before)
    }

    @Test func directoryPathIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: StoreError.pathIsDirectory(path: directory.path)) { try ExperimentStore(path: directory.path) }
    }

    @Test func storeLocationPrefersOptionThenEnvironmentThenDefault() {
        let environment = ["RANET_STORE": "/data/env.sqlite"]
        #expect(StoreLocation.resolve(explicit: "/x/opt.sqlite", environment: environment) == "/x/opt.sqlite")
        #expect(StoreLocation.resolve(explicit: nil, environment: environment) == "/data/env.sqlite")
        #expect(StoreLocation.resolve(explicit: "", environment: environment) == "/data/env.sqlite")
        #expect(StoreLocation.resolve(explicit: nil, environment: ["RANET_STORE": ""]) == "./ranet.sqlite")
        #expect(StoreLocation.resolve(explicit: nil, environment: [:]) == StoreLocation.defaultPath)
    }
}
