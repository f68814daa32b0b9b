import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid.
///
/// The tests do not use Foundation's Process: on Linux its waitUntilExit was seen to hang forever after the child
/// had exited (the zombie was never reaped), which stalled a whole CI run. Here every wait has a deadline, after
/// which the child is killed and the test fails instead of hanging.
public final class ChildProcess: @unchecked Sendable {
    public enum Output {
        case null, pipe
        case file(String)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public let pid: pid_t
    /// Read end of stdout when it was requested as `.pipe`.
    public let stdoutReader: FileHandle?
    private var exitStatus: Int32?

    private static let spawnLock = NSLock()

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        stdout: Output = .null, stderr: Output = .null
    ) throws {
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        var pipeEnds: [Int32] = [-1, -1]
        func route(_ output: Output, to fd: Int32) throws {
            switch output {
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .pipe:
                // Close-on-exec: only the dup2'd copy reaches the child, so the read end sees EOF when it ends.
                // (Glibc's Swift module hides pipe2; `spawnLock` keeps other spawns out of the gap before fcntl.)
                guard pipe(&pipeEnds) == 0 else { throw Failure(description: "pipe failed: errno \(errno)") }
                for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], fd)
            }
        }
        try route(stdout, to: 1)
        try route(stderr, to: 2)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        // A test run started from inside tmux (or by a runner that blocks signals) would hand its blocked mask and
        // ignored signals to the child, which then could not be stopped with SIGINT/SIGTERM: start it clean.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        var defaultSet = sigset_t()
        sigemptyset(&emptySet)
        sigemptyset(&defaultSet)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGWINCH] { sigaddset(&defaultSet, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &defaultSet)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard status == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        stdoutReader = pipeEnds[0] >= 0 ? FileHandle(fileDescriptor: pipeEnds[0], closeOnDealloc: true) : nil
    }

    /// Waits for the exit status (128 + signal for a killed child); after `timeout` seconds kills it and throws.
    @discardableResult
    public func wait(timeout: Double = 300) throws -> Int32 {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { throw Failure(description: "waitpid(\(pid)) failed: errno \(errno)") }
            if Date() > deadline {
                Glibc.kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                exitStatus = -1
                throw Failure(description: "child \(pid) still running after \(timeout) s: killed")
            }
            usleep(2_000)
        }
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return exitStatus!
    }

    public var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            let signal = status & 0x7F
            exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            return false
        }
        return true
    }

    public func kill(_ signal: Int32 = SIGKILL) {
        if isRunning { Glibc.kill(pid, signal) }
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs to completion with stdout and stderr in temporary files (no pipe to fill up and block the child).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: Double = 300
    ) throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-child-\(UUID().uuidString)")
            .path
        let outPath = base + ".out"
        let errPath = base + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let child = try ChildProcess(
            executable, arguments, environment: environment,
            stdout: .file(outPath), stderr: .file(errPath))
        let status = try child.wait(timeout: timeout)
        func read(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return Result(status: status, stdout: read(outPath), stderr: read(errPath))
    }
}
