/// A colour given as 8-bit red, green and blue components.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    /// Creates a colour from its three components.
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A grey of the given level.
    public init(grey: UInt8) { self.init(grey, grey, grey) }

    /// `#RRGGBB`.
    public var description: String {
        "#"
            + [red, green, blue].map { byte in
                let hex = String(byte, radix: 16, uppercase: true)
                return hex.count == 1 ? "0" + hex : hex
            }.joined()
    }

    /// Linear mix between `self` (t = 0) and `other` (t = 1).
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        let clamped = min(1, max(0, t))
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * clamped).rounded())
        }
        return RGB(mix(red, other.red), mix(green, other.green), mix(blue, other.blue))
    }
}

/// What a cell's colour means; a theme turns roles into real colours at the terminal edge.
public enum ColorRole: Hashable, Sendable {
    /// The terminal's own default colour.
    case terminalDefault
    case background, text, muted, border, title, selection
    case easy, hard, good, bad
    /// The colour of exit `index` out of `count` exits, taken from the theme's exit gradient.
    case exit(index: Int, count: Int)
    /// An explicit colour, used for image pixels.
    case rgb(RGB)
}

/// Text attributes of a cell.
public struct CellAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    /// Creates attributes from raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = CellAttributes(rawValue: 1)
    public static let reverse = CellAttributes(rawValue: 2)
    public static let dim = CellAttributes(rawValue: 4)
    public static let underline = CellAttributes(rawValue: 8)
}

/// One terminal cell: a single-column character with colours and attributes.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var foreground: ColorRole
    public var background: ColorRole
    public var attributes: CellAttributes

    /// Creates a cell.
    public init(
        _ character: Character = " ", foreground: ColorRole = .text,
        background: ColorRole = .background, attributes: CellAttributes = []
    ) {
        self.character = character
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    /// An empty cell on the theme background.
    public static let blank = Cell()
}

/// Terminal size in cells.
public struct Size: Hashable, Sendable {
    public var width: Int
    public var height: Int
    /// Creates a size.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// A rectangle of cells inside a screen.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    /// Creates a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    /// The rectangle shrunk by `by` cells on every side.
    public func inset(_ by: Int) -> Rect { Rect(x: x + by, y: y + by, width: width - 2 * by, height: height - 2 * by) }
    /// Splits horizontally: the left part is `leftWidth` wide, the rest goes right.
    public func splitColumns(leftWidth: Int) -> (Rect, Rect) {
        let left = min(width, max(0, leftWidth))
        return (
            Rect(x: x, y: y, width: left, height: height), Rect(x: x + left, y: y, width: width - left, height: height)
        )
    }
    /// Splits vertically: the top part is `topHeight` tall, the rest goes below.
    public func splitRows(topHeight: Int) -> (Rect, Rect) {
        let top = min(height, max(0, topHeight))
        return (Rect(x: x, y: y, width: width, height: top), Rect(x: x, y: y + top, width: width, height: height - top))
    }
}

/// A grid of cells: the whole output of a render.
public struct Screen: Hashable, Sendable {
    public let size: Size
    public private(set) var cells: [Cell]

    /// A screen filled with blank cells.
    public init(size: Size, fill: Cell = .blank) {
        self.size = Size(width: max(0, size.width), height: max(0, size.height))
        cells = Array(repeating: fill, count: self.size.width * self.size.height)
    }

    /// The cell at column `x`, row `y`; reads outside the grid give a blank cell, writes are ignored.
    public subscript(x: Int, y: Int) -> Cell {
        get { contains(x: x, y: y) ? cells[y * size.width + x] : .blank }
        set { if contains(x: x, y: y) { cells[y * size.width + x] = newValue } }
    }

    /// Whether (x, y) lies on the grid.
    public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < size.width && y < size.height }

    /// Writes `text` from (x, y) rightwards, clipped to `maxWidth` columns and the grid; returns the columns used.
    @discardableResult
    public mutating func write(
        _ text: String, x: Int, y: Int, foreground: ColorRole = .text,
        background: ColorRole = .background, attributes: CellAttributes = [],
        maxWidth: Int = Int.max
    ) -> Int {
        var column = 0
        for character in text {
            if column >= maxWidth || x + column >= size.width { break }
            self[x + column, y] = Cell(
                Screen.singleWidth(character), foreground: foreground,
                background: background, attributes: attributes)
            column += 1
        }
        return column
    }

    /// Fills a rectangle with one cell.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        for y in rect.y..<(rect.y + rect.height) {
            for x in rect.x..<(rect.x + rect.width) { self[x, y] = cell }
        }
    }

    /// Changes the colours and attributes of a run of cells while keeping their characters.
    public mutating func restyle(
        x: Int, y: Int, width: Int, foreground: ColorRole? = nil,
        background: ColorRole? = nil, attributes: CellAttributes? = nil
    ) {
        for column in x..<(x + max(0, width)) where contains(x: column, y: y) {
            var cell = self[column, y]
            if let foreground { cell.foreground = foreground }
            if let background { cell.background = background }
            if let attributes { cell.attributes = attributes }
            self[column, y] = cell
        }
    }

    /// The characters of the grid, one line per row with trailing spaces kept (for snapshots).
    public var text: String {
        (0..<size.height).map { row in
            String(cells[(row * size.width)..<((row + 1) * size.width)].map(\.character))
        }.joined(separator: "\n")
    }

    /// Characters that would take two columns (or none) are replaced so the grid stays aligned.
    static func singleWidth(_ character: Character) -> Character {
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return "?" }
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return "?" }
        if value < 0x1100 || (0x2000..<0x2E80).contains(value) { return character }
        return "?"
    }
}
