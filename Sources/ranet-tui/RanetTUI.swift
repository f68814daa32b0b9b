import ModelConfigs
import ArgumentParser
import Dashboard
import Foundation
import TerminalUI

/// `ranet-tui`: the terminal dashboard over the experiment store.
struct RanetTUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranet-tui",
        abstract: "Watch training, sweep exit thresholds and browse easy vs hard samples.",
        discussion: """
            Views: 1 Runs, 2 Training, 3 Anytime, 4 Budget, 5 Samples (Tab cycles). Press ? for every key. In the \
            Runs or Training view, n starts `ranet train` (found beside ranet-tui) as a child writing into the same \
            store, with its log in $TMPDIR; x stops it cleanly (SIGINT: checkpoint, run marked interrupted). q, \
            Ctrl-C or a closed terminal quit and restore the terminal; training children keep running.
            """)

    @Option(help: "Experiment store (default: $RANET_STORE, else ./ranet.sqlite, else the bundled sample-data/).")
    var store: String?

    @Option(name: .customLong("run"), help: "Run id to open.")
    var runID: Int64?

    @Option(help: "View to open: runs, training, anytime, budget or samples.")
    var view: String?

    @Flag(help: "Overlay every run in the Anytime and Budget plots (the default for the bundled sample data).")
    var overlayAll = false

    @Option(help: "Theme name (themes/NAME.theme or $XDG_CONFIG_HOME/ranet/themes/NAME.theme).")
    var theme = "dark"

    @Flag(help: "No colours (also with NO_COLOR set or TERM=dumb).")
    var noColor = false

    @Flag(help: "No braille or block characters.")
    var ascii = false

    @Flag(help: "Do not capture the mouse.")
    var noMouse = false

    @Option(
        help: ArgumentHelp(
            "Print the screen as text at this size (e.g. 100x30) instead of opening the terminal.",
            valueName: "WxH"))
    var dumpScreen: String?

    @Option(
        help: ArgumentHelp(
            "With --dump-screen: a key to press first, as the ? overlay names it (Enter, Right, ], 5); repeatable.",
            valueName: "KEY"))
    var press: [String] = []

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
        let (source, trainingStore, isBundledSample) = try DataSourceChoice.make(
            storePath: store, fake: fakeData, environment: environment)
        defer { (source as? StoreDataSource)?.removeTemporaryCopy() }
        if let runID {
            let runs = try source.snapshot(detailsFor: []).runs
            guard runs.contains(where: { $0.id == runID }) else {
                throw ValidationError(
                    "--run \(runID): no such run in \(try source.snapshot(detailsFor: []).sourceDescription)"
                        + " (runs: \(runs.map { String($0.id) }.joined(separator: ", ")))")
            }
        }
        // The bundled sample data is a comparison of runs: it opens on their overlaid anytime curves.
        let opensAsComparison = isBundledSample && runID == nil
        let initialView =
            view.flatMap(DashboardView.init(name:)) ?? (runID != nil ? .training : opensAsComparison ? .anytime : .runs)
        let overlayAll = self.overlayAll || opensAsComparison
        let choices = TrainingChoices(presets: ModelFactory.presetNames)
        if let dumpScreen {
            let size = try ScreenDump.size(dumpScreen)
            let keys = try press.map(ScreenDump.key)
            let options = DisplayOptions(ascii: ascii, monochrome: true)
            var dump = ScreenDump(
                source: source,
                state: DashboardState(
                    view: initialView, focusedRunID: runID,
                    options: options, trainingChoices: choices))
            dump.state.overlaysAllRunsOnLoad = overlayAll
            print(try dump.render(keys: keys, size: size))
            return
        }
        if !press.isEmpty { throw ValidationError("--press only works with --dump-screen") }
        try DashboardLoop(
            source: source, theme: theme, initialView: initialView, runID: runID, overlayAll: overlayAll,
            terminalOptions: TerminalOptions(noColor: noColor, mouse: !noMouse),
            ascii: ascii, environment: environment, storePath: trainingStore,
            trainingChoices: choices
        ).run()
    }
}
