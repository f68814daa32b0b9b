import ArgumentParser
import Dashboard
import Foundation
import TerminalUI

/// `ranet-tui`: the terminal dashboard over the experiment store.
struct RanetTUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranet-tui",
        abstract: "Watch training, sweep exit thresholds and browse easy vs hard samples.")

    @Option(help: "Experiment store (default: $RANET_STORE, else ./ranet.sqlite, else the bundled sample-data/).")
    var store: String?

    @Option(name: .customLong("run"), help: "Run id to open.")
    var runID: Int64?

    @Option(help: "View to open: runs, training, anytime, budget or samples.")
    var view: String?

    @Option(help: "Theme name (themes/NAME.theme or $XDG_CONFIG_HOME/ranet/themes/NAME.theme).")
    var theme = "dark"

    @Flag(help: "No colours (also with NO_COLOR set or TERM=dumb).")
    var noColor = false

    @Flag(help: "No braille or block characters.")
    var ascii = false

    @Flag(help: "Do not capture the mouse.")
    var noMouse = false

    @Flag(help: .hidden)
    var fakeData = false

    func validate() throws {
        if let view, DashboardView(name: view) == nil {
            throw ValidationError("unknown view '\(view)'; use runs, training, anytime, budget or samples")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let theme = try ThemeLoader(environment: environment).load(named: self.theme)
        let source = try DataSourceChoice.make(storePath: store, fake: fakeData, environment: environment)
        let initialView = view.flatMap(DashboardView.init(name:)) ?? (runID == nil ? .runs : .training)
        try DashboardLoop(source: source, theme: theme, initialView: initialView, runID: runID,
                          terminalOptions: TerminalOptions(noColor: noColor, mouse: !noMouse),
                          ascii: ascii, environment: environment, storePath: store).run()
    }
}
