import Foundation
import GRDB

/// Cheap "did anything change?" probe for live readers (the dashboard polls it every second).
///
/// It keeps one dedicated connection and asks it for `PRAGMA data_version`, which SQLite changes whenever any
/// other connection (in this or another process) commits; a probe costs microseconds and reads no table.
public final class StoreChangeDetector: Sendable {
    private let connection: DatabaseQueue
    /// Path of the watched store.
    public let path: String

    /// Opens a probe connection on an existing store.
    public init(store: ExperimentStore) throws {
        path = store.path
        var configuration = Configuration()
        configuration.busyMode = .timeout(store.busyTimeout)
        configuration.label = "ranet-store-change-detector"
        do {
            connection = try DatabaseQueue(path: store.path, configuration: configuration)
        } catch {
            throw StoreError.from(error, path: store.path, busyTimeout: store.busyTimeout)
        }
    }

    /// A token that differs from the previous one after another connection committed; compare with `!=`.
    public func version() throws -> Int64 {
        do {
            return try connection.read { try Int64.fetchOne($0, sql: "PRAGMA data_version") ?? 0 }
        } catch {
            throw StoreError.from(error, path: path, busyTimeout: 0)
        }
    }
}
