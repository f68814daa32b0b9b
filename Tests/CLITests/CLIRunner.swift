import Foundation
import TestSupport
import Testing

/// Runs the `ranet` executable built next to the test bundle.
enum CLI {
    typealias Result = ChildProcess.Result

    static var binary: URL {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundleDir.appendingPathComponent("ranet")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 300) throws -> Result
    {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        return try ChildProcess.run(binary.path, arguments, environment: env, timeout: timeout)
    }

    /// The JSON value a command printed on stdout; a failed command is recorded as an issue.
    static func json(_ result: Result) throws -> Any {
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }
}
