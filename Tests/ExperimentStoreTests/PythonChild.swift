import Foundation
import TestSupport

/// A python3 child process running a script against the store file: the "other process" of the concurrency
/// tests (the test target cannot build a second Swift executable). Its stdout is read line by line.
final class PythonChild {
    /// Whether python3 with its sqlite3 module can be started here.
    static let isAvailable: Bool = {
        guard let child = try? PythonChild(script: "import sqlite3; print('ok', flush=True)", arguments: []) else {
            return false
        }
        defer { child.waitUntilExit() }
        return child.readLine() == "ok"
    }()

    let child: ChildProcess
    private let output: FileHandle
    private var buffer = Data()

    init(script: String, arguments: [String]) throws {
        guard
            let python = Self.onPath("python3")
                ?? ["/usr/local/bin/python3", "/usr/bin/python3"].first(where: {
                    FileManager.default.isExecutableFile(atPath: $0)
                })
        else {
            throw ChildProcess.Failure(description: "python3 not found")
        }
        child = try ChildProcess(python, ["-c", script] + arguments, stdout: .pipe)
        output = child.stdoutReader!
    }

    /// First executable `name` in $PATH.
    static func onPath(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Next line of stdout (blocking), or nil at end of output.
    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[buffer.index(after: newline)...])
                return line
            }
            let chunk = output.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    /// Reads lines until one starts with `prefix`; returns it (nil if the child ended first).
    func readLine(startingWith prefix: String) -> String? {
        while let line = readLine() {
            if line.hasPrefix(prefix) { return line }
        }
        return nil
    }

    /// SIGKILL: the process dies wherever it is, with no chance to roll back or clean up.
    func killHard() {
        child.kill(SIGKILL)
        _ = try? child.wait(timeout: 30)
    }

    func waitUntilExit() { _ = try? child.wait(timeout: 60) }
}

/// Python snippets shared by the cross-process tests. They speak the store's SQL schema directly.
enum PythonScripts {
    /// Common prelude: argv[1] = store path, argv[2] = run id; `insert(con, step)` writes one step row.
    static let prelude = """
        import sqlite3, struct, sys, time
        path, run_id = sys.argv[1], int(sys.argv[2])
        con = sqlite3.connect(path, timeout=10, isolation_level=None)
        def insert(con, step):
            con.execute("INSERT INTO step_metrics (run_id, step, epoch, exit_losses, total_loss, learning_rate, "
                        "images_per_second, wall_time) VALUES (?, ?, 0, ?, ?, 0.1, 100.0, ?)",
                        (run_id, step, struct.pack('<3f', 1.0, 2.0, step * 0.5), 3.0 + step * 0.5, time.time()))

        """

    /// Commits one step every 20 ms (for up to 10 s), printing each committed step.
    static let steadyWriter =
        prelude + """
            for step in range(500):
                con.execute("BEGIN IMMEDIATE")
                insert(con, step)
                con.execute("COMMIT")
                print("committed", step, flush=True)
                time.sleep(0.02)
            """

    /// Commits argv[3] batches of 100 rows, then opens a big transaction (spilling uncommitted pages into the WAL
    /// through a tiny cache) and waits to be killed.
    static let killedMidTransaction =
        prelude + """
            batches = int(sys.argv[3])
            con.execute("PRAGMA cache_size = 2")
            for batch in range(batches):
                con.execute("BEGIN IMMEDIATE")
                for i in range(100):
                    insert(con, batch * 100 + i)
                con.execute("COMMIT")
            print("committed", batches * 100, flush=True)
            con.execute("BEGIN IMMEDIATE")
            for i in range(20000):
                insert(con, batches * 100 + i)
            print("in-transaction", flush=True)
            time.sleep(30)
            """

    /// Commits batches of 50 rows as fast as it can (for up to 20 s), printing the committed total.
    static let fastBatchWriter =
        prelude + """
            end = time.time() + 20
            step = 0
            while time.time() < end:
                con.execute("BEGIN IMMEDIATE")
                for i in range(50):
                    insert(con, step)
                    step += 1
                con.execute("COMMIT")
                print("committed", step, flush=True)
            """

    /// Holds the write lock (an open immediate transaction with one row) until killed.
    static let lockHolder =
        prelude + """
            con.execute("BEGIN IMMEDIATE")
            insert(con, 999999)
            print("locked", flush=True)
            time.sleep(30)
            """

    /// Holds a read transaction open (a snapshot) until killed.
    static let readerHolder =
        prelude + """
            con.execute("BEGIN")
            count = con.execute("SELECT count(*) FROM step_metrics").fetchone()[0]
            print("reading", count, flush=True)
            time.sleep(30)
            """
}
