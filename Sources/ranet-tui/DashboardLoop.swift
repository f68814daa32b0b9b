import Dashboard
import Foundation
import TerminalUI

/// The UI loop: draw, wait up to 100 ms for a key, fold in data the poller read, repeat.
struct DashboardLoop {
    let source: any DashboardDataSource
    let theme: Theme
    let initialView: DashboardView
    let runID: Int64?
    let terminalOptions: TerminalOptions
    let ascii: Bool
    let environment: [String: String]
    /// The --store given on the command line, handed to `ranet train` children.
    let storePath: String?

    func run() throws {
        let poller = Poller(source: source)
        let terminal = Terminal(theme: theme, options: terminalOptions, environment: environment)
        defer {
            terminal.shutdown()
            poller.stop()
        }
        var state = DashboardState(view: initialView, focusedRunID: runID,
                                   options: DisplayOptions(ascii: ascii, monochrome: terminal.capability == .monochrome))
        poller.request(state.requestedRunIDs)
        poller.start()
        let children = TrainingChildren(environment: environment, storePath: storePath)
        var needsDraw = true
        var lastSecond = 0
        while !state.shouldQuit && !terminal.quitRequested {
            if let update = poller.take() {
                state = reduce(state, update)
                needsDraw = true
            }
            let now = Date().timeIntervalSince1970
            if Int(now) != lastSecond {
                lastSecond = Int(now)
                state = reduce(state, .tick(now))
            }
            if needsDraw {
                terminal.draw(render(state, size: terminal.size))
                needsDraw = false
            }
            if let event = terminal.nextEvent() {
                if case .key(let key) = event { state = reduce(state, key: key) }
                needsDraw = true
            }
            if !state.pendingCommands.isEmpty {
                state.statusMessage = children.perform(state.pendingCommands)
                state = reduce(state, .commandsTaken)
                needsDraw = true
            }
            poller.request(state.requestedRunIDs)
        }
        children.stopAll()
    }
}
