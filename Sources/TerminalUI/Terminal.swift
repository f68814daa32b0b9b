import CNcurses
import Dashboard
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Something the terminal reported.
public enum TerminalEvent: Hashable, Sendable {
    case key(Key)
    case resize(Size)
    /// A left click at this cell.
    case click(x: Int, y: Int)
}

/// Start-up switches of the terminal.
public struct TerminalOptions: Sendable {
    public var noColor: Bool
    public var mouse: Bool
    /// Milliseconds `nextEvent()` waits for input.
    public var inputTimeoutMilliseconds: Int32
    /// Creates options.
    public init(noColor: Bool = false, mouse: Bool = true, inputTimeoutMilliseconds: Int32 = 100) {
        self.noColor = noColor
        self.mouse = mouse
        self.inputTimeoutMilliseconds = inputTimeoutMilliseconds
    }
}

/// Flags set from signal handlers: only an atomic store happens there.
enum TerminalSignals {
    static let quitRequested = Atomic<Bool>(false)
}

/// The ncurses screen: the only code in ranet that talks to the terminal. Use from one thread.
public final class Terminal {
    public let capability: ColorCapability
    public private(set) var size: Size
    private var theme: Theme
    private var previous: Screen?
    private var colors: ColorPairs
    private var isOpen = true

    /// Initialises ncurses (locale, cbreak, no echo, keypad, input timeout, colours, optional mouse).
    public init(theme: Theme, options: TerminalOptions, environment: [String: String]) {
        Terminal.installSignalHandlers()
        setlocale(LC_ALL, "")
        _ = initscr()
        cbreak()
        noecho()
        nonl()
        keypad(ranet_stdscr(), true)
        wtimeout(ranet_stdscr(), options.inputTimeoutMilliseconds)
        set_escdelay(25)
        curs_set(0)
        var capability = ColorCapability.monochrome
        if has_colors() {
            start_color()
            use_default_colors()
            capability = ColorCapability.detect(
                environment: environment, terminalColors: Int(ranet_colors()),
                noColorFlag: options.noColor)
        } else if options.noColor == false {
            capability = .monochrome
        }
        self.capability = capability
        self.theme = theme
        colors = ColorPairs(capability: capability)
        size = Size(width: Int(ranet_cols()), height: Int(ranet_lines()))
        if options.mouse {
            // BUTTON4_PRESSED | BUTTON5_PRESSED (wheel) | BUTTON1_CLICKED for ncurses mouse version 2.
            _ = mousemask(0x10000 | 0x200000 | 0x4, nil)
        }
    }

    deinit { shutdown() }

    /// Restores the terminal; safe to call more than once.
    public func shutdown() {
        guard isOpen else { return }
        isOpen = false
        endwin()
    }

    /// Whether SIGINT, SIGTERM or SIGHUP arrived.
    public var quitRequested: Bool { TerminalSignals.quitRequested.load(ordering: .relaxed) }

    /// Changes the theme and repaints everything on the next draw.
    public func setTheme(_ theme: Theme) {
        self.theme = theme
        previous = nil
    }

    /// Waits up to the input timeout for a key or a resize; nil when nothing happened.
    public func nextEvent() -> TerminalEvent? {
        var character: wint_t = 0
        let status = wget_wch(ranet_stdscr(), &character)
        if status == ERR { return nil }
        if status == KEY_CODE_YES {
            let code = Int32(character)
            if code == ranet_key_resize() {
                size = Size(width: Int(ranet_cols()), height: Int(ranet_lines()))
                previous = nil
                return .resize(size)
            }
            if code == ranet_key_mouse() { return mouseEvent() }
            return KeyDecoding.functionKey(code).map { .key($0) }
        }
        return KeyDecoding.character(UInt32(character)).map { .key($0) }
    }

    private func mouseEvent() -> TerminalEvent? {
        var event = MEVENT()
        guard getmouse(&event) == OK else { return nil }
        if event.bstate & 0x10000 != 0 { return .key(.up) }
        if event.bstate & 0x200000 != 0 { return .key(.down) }
        // BUTTON1_CLICKED or BUTTON1_PRESSED.
        if event.bstate & 0x6 != 0 { return .click(x: Int(event.x), y: Int(event.y)) }
        return nil
    }

    /// Writes the cells that differ from the last drawn screen, then refreshes.
    public func draw(_ screen: Screen) {
        if previous?.size != screen.size {
            werase(ranet_stdscr())
            previous = nil
        }
        let width = screen.size.width
        for (index, cell) in screen.cells.enumerated() where previous?.cells[index] != cell {
            put(cell, x: Int32(index % width), y: Int32(index / width))
        }
        previous = screen
        wrefresh(ranet_stdscr())
    }

    private func put(_ cell: Cell, x: Int32, y: Int32) {
        var attributes = attr_t(0)
        if cell.attributes.contains(.bold) { attributes |= attr_t(ranet_attr_bold()) }
        if cell.attributes.contains(.dim) { attributes |= attr_t(ranet_attr_dim()) }
        if cell.attributes.contains(.underline) { attributes |= attr_t(ranet_attr_underline()) }
        var reverse = cell.attributes.contains(.reverse)
        var pair: Int32 = 0
        let highlighted = cell.background == .selection || cell.background == .title
        if highlighted && (capability == .monochrome || theme.resolve(cell.background) == nil) {
            // Without a colour for it, the cursor row, bars and active tab stand out by reversing.
            reverse.toggle()
        }
        if capability != .monochrome {
            pair = colors.pair(foreground: theme.resolve(cell.foreground), background: theme.resolve(cell.background))
        }
        if reverse { attributes |= attr_t(ranet_attr_reverse()) }
        var wide = Array(String(cell.character).unicodeScalars.map { wchar_t(bitPattern: $0.value) }.prefix(4)) + [0]
        var cchar = cchar_t()
        var extendedPair = pair
        _ = setcchar(&cchar, &wide, attributes, Int16(truncatingIfNeeded: min(pair, 32767)), &extendedPair)
        _ = mvwadd_wch(ranet_stdscr(), y, x, &cchar)
    }

    /// Quit on SIGINT, SIGTERM and SIGHUP (a closed terminal or SSH session), so the loop ends and `endwin` restores
    /// the terminal. Runs before initscr and before any other thread starts, because a process started inside tmux
    /// (or by a runner that blocks signals) can inherit them blocked or ignored: then Ctrl-C or a hangup would never
    /// arrive, and an ignored SIGWINCH would keep ncurses from seeing resizes.
    static func installSignalHandlers() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGWINCH] { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let handler: @convention(c) (Int32) -> Void = { _ in
            TerminalSignals.quitRequested.store(true, ordering: .relaxed)
        }
        signal(SIGWINCH, SIG_DFL)
        for quitSignal in [SIGINT, SIGTERM, SIGHUP] { signal(quitSignal, handler) }
    }
}
