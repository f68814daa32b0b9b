import Dashboard
import Foundation
import Synchronization

/// Reads the data source on a background thread about once a second and hands results to the UI loop,
/// so the database never blocks a key press.
final class Poller: Sendable {
    private struct Shared {
        var requested: Set<Int64> = []
        var pending: Action?
        var stopped = false
    }

    /// The loop checks for a newly requested run every tenth of a second, so opening one loads quickly, and reads
    /// the store every tenth check (about once a second).
    static let checkInterval = 0.1
    static let checksPerRead = 10

    private let source: any DashboardDataSource
    private let shared = Mutex(Shared())

    init(source: any DashboardDataSource) { self.source = source }

    /// Starts the background thread.
    func start() {
        Thread.detachNewThread { [self] in pollLoop() }
    }

    /// Which runs' details the next reads should include.
    func request(_ runs: Set<Int64>) {
        shared.withLock { $0.requested = runs }
    }

    /// The newest result not yet taken, if any.
    func take() -> Action? {
        shared.withLock { state in
            defer { state.pending = nil }
            return state.pending
        }
    }

    func stop() { shared.withLock { $0.stopped = true } }

    private func pollLoop() {
        var lastToken: Int64?
        var lastRequested: Set<Int64>?
        while true {
            let (requested, stopped) = shared.withLock { ($0.requested, $0.stopped) }
            if stopped { return }
            do {
                let token = try source.changeToken()
                if token != lastToken || requested != lastRequested {
                    let data = try source.snapshot(detailsFor: requested)
                    shared.withLock { $0.pending = .dataLoaded(data) }
                    lastToken = token
                    lastRequested = requested
                }
            } catch {
                let message = String(describing: error)
                shared.withLock { $0.pending = .loadFailed(message) }
                lastToken = nil
            }
            for _ in 0..<Self.checksPerRead {
                Thread.sleep(forTimeInterval: Self.checkInterval)
                let changed = shared.withLock { $0.requested != lastRequested || $0.stopped }
                if changed { break }
            }
        }
    }
}
