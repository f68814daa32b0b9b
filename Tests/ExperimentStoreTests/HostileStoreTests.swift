import Foundation
import GRDB
import Testing

@testable import ExperimentStore

/// Files that are not ranet stores are refused without a single byte changed, and `--out` paths that would destroy
/// the store, a checkpoint or a non-regular file are refused.
@Suite struct HostileStoreTests {
    @Test func aSQLiteDatabaseOfAnotherProgramIsLeftByteForByte() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("other.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)  // rollback journal: opening it as a store would switch to WAL
            try queue.write { try $0.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)") }
        }
        let before = fileBytes(path)
        #expect(throws: StoreError.foreignDatabase(path: path)) { try ExperimentStore(path: path) }
        #expect(fileBytes(path) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
    }

    @Test func aDamagedStoreIsRefusedAndLeftByteForByte() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("damaged.sqlite")
        do {
            let store = try ExperimentStore(path: path)
            for _ in 0..<3 { try store.createRun(sampleRun()) }
        }
        var bytes = try #require(fileBytes(path))
        let pageSize = Int(bytes[16]) << 8 | Int(bytes[17])
        // Garbage over every page but the first (the schema root stays readable, the tables are not).
        for index in pageSize..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 131 &+ 7) }
        try bytes.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) {
            let store = try ExperimentStore(path: path)
            _ = try store.runs()
        }
        #expect("\(error!)".contains(path))
        #expect(fileBytes(path) == bytes)
    }

    @Test func aFIFOAsTheStoreIsRefusedWithoutOpeningIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("pipe.sqlite")
        #expect(mkfifo(path, 0o644) == 0)
        // Opening the FIFO for reading would block forever (no writer): the check must not open it.
        let error = #expect(throws: StoreError.self) { try ExperimentStore(path: path) }
        #expect(error == .notRegularFile(path: path, kind: "a FIFO (named pipe)"))
        #expect("\(error!)".contains("FIFO"))
    }

    @Test func outputsThatWouldDestroyDataAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storePath = directory.file("s.sqlite")
        let store = try ExperimentStore(path: storePath)
        let runID = try store.createRun(sampleRun())
        let checkpoint = directory.file("ranet-checkpoints-run-1.safetensors")
        try Data("weights".utf8).write(to: URL(fileURLWithPath: checkpoint))
        try store.addCheckpoint(runID: runID, path: checkpoint)
        let other = directory.file("other.txt")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: other))
        let fifo = directory.file("fifo")
        #expect(mkfifo(fifo, 0o644) == 0)
        let link = directory.file("link.json")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: other)
        let recorded = try store.recordedCheckpointPaths()
        func refusal(_ path: String, force: Bool = true) -> String? {
            do {
                try OutputFileCheck.check(path, force: force, storePath: storePath, recordedCheckpoints: recorded)
                return nil
            } catch { return "\(error)" }
        }
        #expect(refusal(storePath)?.contains("experiment store") == true)
        #expect(refusal(storePath + "-wal")?.contains("experiment store") == true)
        #expect(refusal(checkpoint)?.contains("run \(runID)'s checkpoint") == true)
        #expect(refusal(fifo)?.contains("FIFO") == true)
        #expect(refusal(link)?.contains("symbolic link") == true)
        #expect(refusal("/dev/null")?.contains("character device") == true)
        #expect(refusal(directory.path)?.contains("directory") == true)
        #expect(refusal(other, force: false)?.contains("--force") == true)
        #expect(refusal(other, force: true) == nil)
        #expect(refusal(directory.file("new.json"), force: false) == nil)
        #expect(refusal(directory.file("missing/new.json"))?.contains("does not exist") == true)
        let copy = directory.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: storePath, toPath: copy)
        #expect(refusal(copy)?.contains("SQLite database") == true)
    }

    @Test func everyStoreHasItsOwnIdentity() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try ExperimentStore(path: directory.file("a.sqlite")).storeID()
        let b = try ExperimentStore(path: directory.file("b.sqlite")).storeID()
        #expect(a.count == 32 && b.count == 32 && a != b)
        #expect(try ExperimentStore(path: directory.file("a.sqlite")).storeID() == a)
    }
}
