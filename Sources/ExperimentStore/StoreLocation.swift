import Foundation

/// Where the store lives: `--store PATH`, else `$RANET_STORE`, else `./ranet.sqlite`.
public enum StoreLocation {
    /// Name of the environment variable that overrides the default store path.
    public static let environmentVariable = "RANET_STORE"
    /// Store path used when neither `--store` nor `$RANET_STORE` is given.
    public static let defaultPath = "./ranet.sqlite"

    /// Resolves the store path from an explicit option and the environment (empty values count as absent).
    public static func resolve(
        explicit: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }
}
