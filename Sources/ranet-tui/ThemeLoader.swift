import Dashboard
import Foundation
import InputFiles

/// A theme name that no directory holds.
struct ThemeNotFound: Error, CustomStringConvertible {
    let name: String
    let searched: [String]
    let available: [String]
    var description: String {
        "theme '\(name)' not found in \(searched.joined(separator: ", ")); available: "
            + (available.isEmpty ? "none" : available.joined(separator: ", "))
    }
}

/// Finds `NAME.theme`: the user's directory first, then the repository's `themes/`.
struct ThemeLoader {
    let environment: [String: String]
    /// Theme files are under a kilobyte; a larger one is refused before it is read.
    static let maximumBytes = 1 << 16

    var directories: [URL] {
        var result: [URL] = []
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            result.append(URL(fileURLWithPath: config).appendingPathComponent("ranet/themes"))
        } else if let home = environment["HOME"] {
            result.append(URL(fileURLWithPath: home).appendingPathComponent(".config/ranet/themes"))
        }
        result.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("themes"))
        // .build/<config>/ranet-tui -> the package root's themes/.
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        result.append(executable.deletingLastPathComponent().appendingPathComponent("../../themes").standardized)
        result.append(executable.deletingLastPathComponent().appendingPathComponent("../../../themes").standardized)
        return result
    }

    func load(named name: String) throws -> Theme {
        for directory in directories {
            let file = directory.appendingPathComponent(name + ".theme")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let data = try InputFile.read(file.path, maximumBytes: Self.maximumBytes)
            return try Theme.parse(String(decoding: data, as: UTF8.self), name: name, source: file.path)
        }
        if name == Theme.dark.name { return Theme.dark }
        let available = directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(6)) }
        }
        throw ThemeNotFound(name: name, searched: directories.map(\.path), available: Array(Set(available)).sorted())
    }
}
