import Foundation

/// Where the store lives: `--store PATH`, else `$RANET_STORE`, else `./ranet.sqlite`. Commands that only read runs
/// (and the dashboard) fall back on the bundled sample store when none of these names an existing file.
public enum StoreLocation {
    /// Name of the environment variable that overrides the default store path.
    public static let environmentVariable = "RANET_STORE"
    /// Store path used when neither `--store` nor `$RANET_STORE` is given.
    public static let defaultPath = "./ranet.sqlite"
    /// Folder of the sample runs shipped with ranet: a store and the weights its runs record.
    public static let bundledSampleFolder = "sample-data"
    /// The bundled sample store's file name in that folder.
    public static let bundledSampleStoreName = "ranet.sqlite"

    /// Resolves the store path from an explicit option and the environment (empty values count as absent).
    public static func resolve(
        explicit: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        explicitChoice(explicit, environment: environment) ?? defaultPath
    }

    /// `--store`, else `$RANET_STORE` (empty values count as absent); nil when the user named no store.
    public static func explicitChoice(_ explicit: String?, environment: [String: String]) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return nil
    }

    /// The bundled sample store when a reader should fall back on it: no store named and no `./ranet.sqlite`.
    public static func bundledSampleFallback(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String = CommandLine.arguments[0],
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String? {
        guard explicitChoice(explicit, environment: environment) == nil,
            !FileManager.default.fileExists(
                atPath: URL(fileURLWithPath: currentDirectory).appendingPathComponent(defaultPath).path)
        else { return nil }
        return bundledSampleCandidates(executable: executable, currentDirectory: currentDirectory)
            .map { $0.appendingPathComponent(bundledSampleStoreName).path }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Where the bundled sample folder may be: in the working directory (a clone's top level), or up from the
    /// executable's build folder (`.build/release/ranet`, `.build/x86_64-unknown-linux-gnu/release/ranet`).
    public static func bundledSampleCandidates(executable: String, currentDirectory: String) -> [URL] {
        let binDirectory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        return [
            URL(fileURLWithPath: currentDirectory).appendingPathComponent(bundledSampleFolder),
            binDirectory.appendingPathComponent("../../\(bundledSampleFolder)").standardized,
            binDirectory.appendingPathComponent("../../../\(bundledSampleFolder)").standardized,
        ]
    }
}
