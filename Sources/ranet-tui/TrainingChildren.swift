import Dashboard
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Training runs started from the dashboard (`n`): `ranet train` (the executable beside `ranet-tui`) as a child
/// process started with posix_spawn, output to a log file in $TMPDIR, stopped with SIGINT (`x`) so the trainer
/// checkpoints and marks the run interrupted. Children run in their own process group, so a Ctrl-C meant for the
/// dashboard does not stop them and they keep training after it quits.
final class TrainingChildren {
    private let environment: [String: String]
    private let storePath: String?
    private let ranetPath: String
    private var running: Set<pid_t> = []
    private var started = 0

    init(environment: [String: String], storePath: String?, ranetPath: String = TrainingChildren.defaultRanetPath()) {
        self.environment = environment
        self.storePath = storePath
        self.ranetPath = ranetPath
    }

    /// `ranet` in the directory of the running `ranet-tui` (symlinks resolved).
    static func defaultRanetPath() -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ranet").path
    }

    /// Performs the commands; returns what the dashboard should learn about them.
    func perform(_ commands: [DashboardCommand]) -> [Action] {
        commands.map { command in
            switch command {
            case .startTraining(let request): start(request)
            case .stopTraining(let pid, let runID): stop(pid: pid, runID: runID)
            }
        }
    }

    /// Children that ended since the last call, reaped without blocking.
    func reap() -> [Action] {
        var actions: [Action] = []
        for pid in running {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { continue }
            running.remove(pid)
            let signal = status & 0x7F
            actions.append(.trainingExited(pid: pid, status: signal == 0 ? (status >> 8) & 0xFF : -signal))
        }
        return actions
    }

    /// Pids still training, to tell the user after the dashboard closes.
    var livePids: [pid_t] { running.sorted() }

    private func start(_ request: TrainingRequest) -> Action {
        guard FileManager.default.isExecutableFile(atPath: ranetPath) else {
            return .shellMessage("cannot start training: no ranet executable beside ranet-tui (\(ranetPath))")
        }
        started += 1
        let name = "\(request.preset) \(request.dataset) (ranet-tui \(getpid())-\(started))"
        let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        let log = URL(fileURLWithPath: temporary).appendingPathComponent("ranet-train-\(getpid())-\(started).log").path
        var arguments = request.arguments + ["--name", name]
        if let storePath { arguments += ["--store", storePath] }
        do {
            let pid = try spawn(arguments, log: log)
            running.insert(pid)
            return .trainingStarted(TrainingChild(pid: pid, runName: name, logPath: log))
        } catch {
            return .shellMessage("cannot start ranet train: \(error) (log \(log))")
        }
    }

    private func stop(pid: Int32, runID: Int64) -> Action {
        guard running.contains(pid), kill(pid, SIGINT) == 0 else {
            return .shellMessage("run \(runID): training process \(pid) is no longer running")
        }
        return .shellMessage("run \(runID): sent SIGINT to pid \(pid); it finishes the step, checkpoints and stops")
    }

    private struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// posix_spawn with stdin from /dev/null, stdout and stderr to `log`, default signal handling, nothing blocked,
    /// and a process group of its own.
    private func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        var defaultSet = sigset_t()
        sigemptyset(&emptySet)
        sigemptyset(&defaultSet)
        // The dashboard catches INT/TERM/HUP; the trainer must start with the defaults (it installs its own).
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGWINCH] { sigaddset(&defaultSet, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &defaultSet)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var environment = self.environment
        environment.removeValue(forKey: "COLUMNS")
        let argv = ([ranetPath] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, ranetPath, &actions, &attributes, argv, envp)
        guard status == 0 else { throw SpawnError(description: String(cString: strerror(status))) }
        return pid
    }
}
