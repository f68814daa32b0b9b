import Dashboard
import Foundation
import TerminalUI

/// The UI loop: draw, wait up to 100 ms for a key, fold in data the poller read, repeat.
struct DashboardLoop {
    let source: any DashboardDataSource
    let theme: Theme
    let initialView: DashboardView
    let runID: Int64?
    /// Overlay every run once the run list arrives.
    let overlayAll: Bool
    let terminalOptions: TerminalOptions
    let ascii: Bool
    let environment: [String: String]
    /// The store `ranet train` children write into (nil for the bundled sample data's temporary copy).
    let storePath: String?
    /// What the new-run dialog offers.
    let trainingChoices: TrainingChoices

    func run() throws {
        let poller = Poller(source: source)
        let terminal = Terminal(theme: theme, options: terminalOptions, environment: environment)
        defer {
            terminal.shutdown()
            poller.stop()
        }
        var state = DashboardState(
            view: initialView, focusedRunID: runID,
            options: DisplayOptions(ascii: ascii, monochrome: terminal.capability == .monochrome),
            trainingChoices: trainingChoices)
        state.overlaysAllRunsOnLoad = overlayAll
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
                // The ETA counts down between store updates; unchanged cells are not redrawn.
                if state.view == .training { needsDraw = true }
            }
            if needsDraw {
                terminal.draw(render(state, size: terminal.size))
                needsDraw = false
            }
            if let event = terminal.nextEvent() {
                switch event {
                case .key(let key): state = reduce(state, key: key)
                case .click(let x, let y): state = reduce(state, .click(x: x, y: y, size: terminal.size))
                case .resize: break
                }
                needsDraw = true
            }
            if !state.pendingCommands.isEmpty {
                let commands = state.pendingCommands
                state = reduce(state, .commandsTaken)
                for action in children.perform(commands) { state = reduce(state, action) }
                needsDraw = true
            }
            for action in children.reap() {
                state = reduce(state, action)
                needsDraw = true
            }
            poller.request(state.requestedRunIDs)
        }
        terminal.shutdown()
        for pid in children.livePids {
            // Training outlives the dashboard: say where it is and how to stop it.
            FileHandle.standardError.write(
                Data(
                    "ranet-tui: training process \(pid) keeps running; stop it with kill -INT \(pid)\n".utf8))
        }
    }
}
