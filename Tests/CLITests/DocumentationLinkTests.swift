import Foundation
import Testing

/// Every relative Markdown link in the documentation points to an existing file and, for `file.md#anchor` (or
/// `#anchor`), to an existing heading of that file, named by GitHub's slug rules. External links are not fetched.
@Suite struct DocumentationLinkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// README.md, every docs/*.md and the READMEs beside the code, relative to the package root.
    static func documentationFiles() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return ["README.md"] + docs + [
            "python/README.md", "python/bench/README.md", "sample-data/README.md", "themes/README.md",
        ]
    }

    @Test func everyRelativeLinkResolves() throws {
        let files = try Self.documentationFiles()
        #expect(files.count >= 8, "\(files)")
        var broken: [String] = []
        for file in files {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            broken += Self.brokenLinks(in: text, of: Self.root.appendingPathComponent(file))
        }
        #expect(broken.isEmpty, "broken links:\n\(broken.joined(separator: "\n"))")
    }

    /// The checker itself finds a missing file, a missing heading and a missing heading in the same file, and accepts
    /// links that resolve, external links and anything inside code.
    @Test func brokenLinksAreFound() {
        let text = """
            # A `heading`: with punctuation!
            [ok](README.md) [ok](docs/cli.md#flops) [ok](#a-heading-with-punctuation) [web](https://example.com/x)
            [gone](no/such/file.md) [bad anchor](docs/cli.md#no-such-heading) [bad local](#nowhere)
            `[code](not/a/link.md)`
            ```
            [fenced](not/a/link/either.md)
            ```
            """
        let broken = Self.brokenLinks(in: text, of: Self.root.appendingPathComponent("TEST.md"))
        #expect(broken.count == 3, "\(broken)")
        #expect(broken.contains { $0.contains("no/such/file.md") })
        #expect(broken.contains { $0.contains("#no-such-heading") })
        #expect(broken.contains { $0.contains("#nowhere") })
    }

    @Test func slugsFollowGitHub() {
        #expect(Self.slug("Fused conv + BN + ReLU") == "fused-conv--bn--relu")
        #expect(Self.slug("The dashboard: `ranet-tui`") == "the-dashboard-ranet-tui")
        #expect(Self.slug("Per-image GEMM for 1x1 convs") == "per-image-gemm-for-1x1-convs")
        #expect(Self.slug("Shifted GEMM (ShiftConv)") == "shifted-gemm-shiftconv")
    }

    /// "file:line: target" for each relative link of `text` (the contents of `file`) that does not resolve.
    static func brokenLinks(in text: String, of file: URL) -> [String] {
        var broken: [String] = []
        for (line, target) in links(in: text) {
            if target.contains("://") || target.hasPrefix("mailto:") { continue }
            let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let path = parts[0].removingPercentEncoding ?? parts[0]
            let anchor = parts.count > 1 ? parts[1] : nil
            let destination = path.isEmpty ? file : file.deletingLastPathComponent().appendingPathComponent(path)
            let name =
                file.path.hasPrefix(root.path + "/") ? String(file.path.dropFirst(root.path.count + 1)) : file.path
            let location = "\(name):\(line): \(target)"
            if !path.isEmpty && !FileManager.default.fileExists(atPath: destination.standardizedFileURL.path) {
                broken.append(location + " (no such file)")
                continue
            }
            guard let anchor, destination.pathExtension == "md" else { continue }
            let headingText =
                path.isEmpty ? text : (try? String(contentsOf: destination.standardizedFileURL, encoding: .utf8)) ?? ""
            if !anchors(of: headingText).contains(anchor) { broken.append(location + " (no such heading)") }
        }
        return broken
    }

    /// The line number and target of every `[text](target)` outside fenced code blocks and inline code.
    static func links(in text: String) -> [(line: Int, target: String)] {
        var result: [(Int, String)] = []
        var fenced = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if rawLine.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                fenced.toggle()
                continue
            }
            if fenced { continue }
            // Drop inline code spans, then find "](target)".
            let line = rawLine.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map { String($0.element) }.joined(separator: " ")
            var rest = Substring(line)
            while let open = rest.range(of: "](") {
                guard let close = rest[open.upperBound...].firstIndex(of: ")") else { break }
                let target = rest[open.upperBound..<close].split(separator: " ").first.map(String.init) ?? ""
                if !target.isEmpty { result.append((index + 1, target)) }
                rest = rest[close...]
            }
        }
        return result
    }

    /// The anchors GitHub gives the headings of `text` (a repeated slug gets -1, -2, ...).
    static func anchors(of text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var result: Set<String> = []
        var fenced = false
        for line in text.split(separator: "\n") {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { fenced.toggle() }
            guard !fenced, line.hasPrefix("#") else { continue }
            let title = line.drop { $0 == "#" }
            guard title.first == " " else { continue }
            let base = slug(String(title))
            let n = seen[base, default: 0]
            seen[base] = n + 1
            result.insert(n == 0 ? base : "\(base)-\(n)")
        }
        return result
    }

    /// GitHub's heading slug: lowercase, punctuation other than '-' and '_' dropped, each space a '-'.
    static func slug(_ heading: String) -> String {
        String(
            heading.trimmingCharacters(in: .whitespaces).lowercased().compactMap { c -> Character? in
                if c == " " { return "-" }
                if c.isLetter || c.isNumber || c == "-" || c == "_" { return c }
                return nil
            })
    }
}
