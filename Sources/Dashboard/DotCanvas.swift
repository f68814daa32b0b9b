/// A dot grid over a rectangle of cells: braille (2x4 dots per cell) or an ASCII approximation.
struct DotCanvas {
    let columns: Int
    let rows: Int
    let ascii: Bool
    /// Braille bit pattern per cell.
    private(set) var bits: [UInt8]
    /// Colour of the last series that set a dot in the cell (later series draw on top).
    private(set) var colors: [ColorRole?]

    init(columns: Int, rows: Int, ascii: Bool) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        self.ascii = ascii
        bits = Array(repeating: 0, count: self.columns * self.rows)
        colors = Array(repeating: nil, count: self.columns * self.rows)
    }

    var dotWidth: Int { columns * 2 }
    var dotHeight: Int { rows * 4 }

    /// Bit of dot (dx, dy) inside a braille cell, per the Unicode braille layout.
    private static let dotBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    mutating func set(x: Int, y: Int, color: ColorRole) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let index = (y / 4) * columns + x / 2
        bits[index] |= DotCanvas.dotBits[x % 2][y % 4]
        colors[index] = color
    }

    /// Bresenham line between two dots.
    mutating func line(from start: (Int, Int), to end: (Int, Int), color: ColorRole) {
        var (x0, y0) = start
        let (x1, y1) = end
        let dx = abs(x1 - x0)
        let dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1
        let sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        var guardSteps = dx - dy + 2
        while guardSteps > 0 {
            set(x: x0, y: y0, color: color)
            if x0 == x1 && y0 == y1 { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x0 += sx
            }
            if doubled <= dx {
                error += dx
                y0 += sy
            }
            guardSteps -= 1
        }
    }

    /// The character of cell (column, row), or nil when no dot is set.
    func character(column: Int, row: Int) -> Character? {
        let pattern = bits[row * columns + column]
        guard pattern != 0 else { return nil }
        if !ascii { return Character(Unicode.Scalar(0x2800 + UInt32(pattern))!) }
        let upper = pattern & 0x1B != 0  // dots in rows 0-1 of either column
        let lower = pattern & 0xE4 != 0  // dots in rows 2-3
        return upper && lower ? ":" : (upper ? "'" : ".")
    }

    func color(column: Int, row: Int) -> ColorRole? { colors[row * columns + column] }

    /// Copies the dots onto the screen with the top-left cell at (x, y).
    func draw(into screen: inout Screen, x: Int, y: Int) {
        for row in 0..<rows {
            for column in 0..<columns {
                guard let character = character(column: column, row: row) else { continue }
                screen[x + column, y + row] = Cell(character, foreground: color(column: column, row: row) ?? .text)
            }
        }
    }
}
