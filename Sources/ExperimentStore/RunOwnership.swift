import ExperimentRecords
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The process that writes a run: its pid and host name, recorded in the run (`runs.owner_pid`, `runs.owner_host`).
public struct RunOwner: Sendable, Hashable {
    public var pid: Int32
    public var host: String

    public init(pid: Int32, host: String) {
        self.pid = pid
        self.host = host
    }

    /// This process.
    public static var current: RunOwner { RunOwner(pid: getpid(), host: hostName) }

    /// gethostname(2), as Python's `socket.gethostname()` reads it (the Python logger records the same name).
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether a process with this pid exists on this host (kill(pid, 0): EPERM means it exists under another user).
    public static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}

/// A run another process is still writing: who and how long ago it last reported.
public struct LiveRunOwner: Sendable, Hashable, CustomStringConvertible {
    public var runID: Int64
    public var owner: RunOwner
    public var heartbeatAge: TimeInterval

    public var description: String {
        "run \(runID) is being trained by process \(owner.pid) on host \(owner.host) "
            + "(last heartbeat \(String(format: "%.0f", heartbeatAge)) s ago)"
    }
}

/// Whether a run has a live writer. The rule (one writer per run):
/// - only a run stored as running with a recorded owner can be live;
/// - its heartbeat must be fresh (younger than the store's `staleHeartbeatInterval`): a process that has not
///   reported for that long is dead or hung, and a pid seen alive then may be another program's reuse of the number;
/// - on this host the pid must also exist (so a SIGKILLed trainer frees its run at once, without waiting for its
///   heartbeat to go stale); on another host the fresh heartbeat alone counts, as its pid cannot be checked from here.
/// This process itself never counts as a live other writer.
public enum RunLiveness {
    public static func liveOwner(
        of run: RunRecord, staleAfter: TimeInterval, now: Date = Date(), me: RunOwner = .current,
        processExists: (Int32) -> Bool = RunOwner.processExists
    ) -> LiveRunOwner? {
        guard run.status == .running, let pid = run.ownerPID, let host = run.ownerHost else { return nil }
        let owner = RunOwner(pid: pid, host: host)
        let age = max(0, now.timeIntervalSince(run.heartbeatAt))
        guard owner != me, age <= staleAfter else { return nil }
        if host == me.host && !processExists(pid) { return nil }
        return LiveRunOwner(runID: run.id ?? 0, owner: owner, heartbeatAge: age)
    }
}

/// A run that has a live writer, refused to another one (or to deletion) without `--force`.
public struct RunInUseError: Error, CustomStringConvertible, LocalizedError {
    public var live: LiveRunOwner
    public var action: String

    public var description: String {
        "\(live); refusing to \(action) (pass --force if that process is not really training it)"
    }
    public var errorDescription: String? { description }
}

extension ExperimentStore {
    /// The live writer of a run other than this process, if any (see `RunLiveness`).
    public func liveOwner(of run: RunRecord, now: Date = Date()) -> LiveRunOwner? {
        RunLiveness.liveOwner(of: run, staleAfter: staleHeartbeatInterval, now: now)
    }

    /// Makes `owner` the run's writer and marks it running with a fresh heartbeat, in one transaction so two
    /// processes claiming at once cannot both succeed. Throws `RunInUseError` when another process is live
    /// (unless `force`), `StoreError.notFound` when there is no such run.
    public func claimRun(
        id: Int64, owner: RunOwner = .current, force: Bool = false, action: String = "resume it",
        now: Date = Date()
    ) throws {
        let stale = staleHeartbeatInterval
        let claimed: Result<Void, RunInUseError> = try write { db in
            guard let run = try Self.fetchRun(db, id: id) else { throw StoreError.notFound("run \(id)") }
            if !force, let live = RunLiveness.liveOwner(of: run, staleAfter: stale, now: now, me: owner) {
                return .failure(RunInUseError(live: live, action: action))
            }
            try db.execute(
                sql: """
                    UPDATE runs SET owner_pid = ?, owner_host = ?, status = ?, heartbeat_at = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    owner.pid, owner.host, RunStatus.running.rawValue, now.storeSeconds, now.storeSeconds, id,
                ])
            return .success(())
        }
        try claimed.get()
    }

    /// Throws `RunInUseError` when another live process writes the run (for commands that would pull it away, such
    /// as `ranet rm`), unless `force`.
    public func requireNoLiveOwner(id: Int64, force: Bool, action: String) throws {
        guard !force, let run = try storedRun(id: id), let live = liveOwner(of: run) else { return }
        throw RunInUseError(live: live, action: action)
    }
}
