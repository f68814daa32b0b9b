import CNcurses
import Dashboard

/// Allocates ncurses colour pairs on demand for (foreground, background) colours.
struct ColorPairs {
    let capability: ColorCapability
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    /// Set once ncurses refuses a new pair (COLOR_PAIRS reached); later new colours fall back to pair 0.
    private var exhausted = false

    struct PairKey: Hashable {
        let foreground: Int32
        let background: Int32
    }

    init(capability: ColorCapability) { self.capability = capability }

    /// The pair number for two theme colours (nil = terminal default).
    mutating func pair(foreground: RGB?, background: RGB?) -> Int32 {
        let key = PairKey(foreground: number(foreground), background: number(background))
        if key.foreground == -1 && key.background == -1 { return 0 }
        if let existing = pairs[key] { return existing }
        guard !exhausted, init_extended_pair(nextPair, key.foreground, key.background) == OK else {
            exhausted = true
            return 0
        }
        pairs[key] = nextPair
        nextPair += 1
        return nextPair - 1
    }

    private func number(_ color: RGB?) -> Int32 {
        guard let color else { return -1 }
        return Int32(ColorPalette.index(color, capability: capability))
    }
}
