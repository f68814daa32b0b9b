import Foundation

/// One line (and optional point markers) of a chart.
struct ChartSeries {
    var label: String
    var color: ColorRole
    var xs: [Double]
    var ys: [Double]
    /// Characters drawn at each point on top of the line (e.g. exit numbers), when set.
    var markers: [Character]? = nil
    var drawLine = true
}

/// Axes, scales and marks of a chart.
struct ChartStyle {
    var xLabel: String
    var logY = false
    var ascii = false
    var xRange: ClosedRange<Double>? = nil
    var yRange: ClosedRange<Double>? = nil
    /// A point to emphasise (the budget operating point).
    var highlight: (x: Double, y: Double)? = nil
    var showLegend = true
}

/// Renders line charts with braille dots, axes, ticks, labels and a legend.
enum LineChart {
    static func draw(_ series: [ChartSeries], style: ChartStyle, into screen: inout Screen, rect: Rect) {
        guard rect.width >= 16, rect.height >= 5 else { return }
        let transformed = series.map { transform($0, logY: style.logY) }
        let allX = transformed.flatMap(\.xs)
        let allY = transformed.flatMap(\.ys)
        let highlightY = style.highlight.map { style.logY ? log10(max($0.y, 1e-12)) : $0.y }
        guard let xScale = Scale(style.xRange ?? range(allX + (style.highlight.map { [$0.x] } ?? []))),
            let yScale = Scale(
                style.yRange.map { style.logY ? logRange($0) : $0 }
                    ?? range(allY + (highlightY.map { [$0] } ?? [])))
        else {
            screen.write("no data yet", x: rect.x + 2, y: rect.y + rect.height / 2, foreground: .muted)
            return
        }
        let legendRows = style.showLegend ? 1 : 0
        let yTicks = yScale.ticks(count: max(2, (rect.height - 3) / 3))
        let yLabels = yTicks.map { formatTick(style.logY ? pow(10, $0) : $0, step: style.logY ? 1 : yScale.step) }
        let labelWidth = min(8, yLabels.map(\.count).max() ?? 1)
        let plot = Rect(
            x: rect.x + labelWidth + 1, y: rect.y + legendRows, width: rect.width - labelWidth - 2,
            height: rect.height - legendRows - 2)
        guard plot.width > 2, plot.height > 1 else { return }
        var canvas = DotCanvas(columns: plot.width, rows: plot.height, ascii: style.ascii)
        for line in transformed {
            plotLine(line, into: &canvas, x: xScale, y: yScale)
        }
        canvas.draw(into: &screen, x: plot.x, y: plot.y)
        drawMarkers(transformed, into: &screen, plot: plot, x: xScale, y: yScale)
        if let highlight = style.highlight, let highlightY {
            let column = plot.x + xScale.cell(highlight.x, cells: plot.width)
            let row = plot.y + plot.height - 1 - yScale.cell(highlightY, cells: plot.height)
            screen[column, row] = Cell(style.ascii ? "@" : "◆", foreground: .title, attributes: [.bold])
        }
        drawAxes(
            into: &screen, plot: plot, style: style, yTicks: zip(yTicks, yLabels).map { ($0, $1) },
            labelWidth: labelWidth, x: xScale, y: yScale)
        if style.showLegend { drawLegend(series, into: &screen, rect: rect, ascii: style.ascii) }
    }

    static func transform(_ series: ChartSeries, logY: Bool) -> ChartSeries {
        guard logY else { return series }
        var copy = series
        let kept = zip(series.xs, series.ys).enumerated().filter { $0.element.1 > 0 }
        copy.xs = kept.map(\.element.0)
        copy.ys = kept.map { log10($0.element.1) }
        copy.markers = series.markers.map { markers in kept.map { markers[$0.offset] } }
        return copy
    }

    static func range(_ values: [Double]) -> ClosedRange<Double>? {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return nil }
        return low...high
    }

    static func logRange(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        log10(max(range.lowerBound, 1e-12))...log10(max(range.upperBound, 1e-12))
    }

    /// Few points: connected segments. Many points: per dot column the min-max envelope plus the mean line.
    static func plotLine(_ series: ChartSeries, into canvas: inout DotCanvas, x: Scale, y: Scale) {
        guard series.drawLine, !series.xs.isEmpty else { return }
        let width = canvas.dotWidth
        let height = canvas.dotHeight
        func dot(_ xValue: Double, _ yValue: Double) -> (Int, Int) {
            (x.dot(xValue, dots: width), height - 1 - y.dot(yValue, dots: height))
        }
        if series.xs.count <= width {
            var previous: (Int, Int)?
            for (xValue, yValue) in zip(series.xs, series.ys) where yValue.isFinite {
                let point = dot(xValue, yValue)
                canvas.line(from: previous ?? point, to: point, color: series.color)
                previous = point
            }
            return
        }
        var buckets = [(min: Double, max: Double, sum: Double, count: Int)?](repeating: nil, count: width)
        for (xValue, yValue) in zip(series.xs, series.ys) where yValue.isFinite {
            let column = x.dot(xValue, dots: width)
            if let bucket = buckets[column] {
                buckets[column] = (
                    Swift.min(bucket.min, yValue), Swift.max(bucket.max, yValue),
                    bucket.sum + yValue, bucket.count + 1
                )
            } else {
                buckets[column] = (yValue, yValue, yValue, 1)
            }
        }
        var previousMean: (Int, Int)?
        for (column, bucket) in buckets.enumerated() {
            guard let bucket else { continue }
            let top = dot(0, bucket.max).1
            let bottom = dot(0, bucket.min).1
            canvas.line(from: (column, top), to: (column, bottom), color: series.color)
            let mean = (column, dot(0, bucket.sum / Double(bucket.count)).1)
            canvas.line(from: previousMean ?? mean, to: mean, color: series.color)
            previousMean = mean
        }
    }

    static func drawMarkers(_ series: [ChartSeries], into screen: inout Screen, plot: Rect, x: Scale, y: Scale) {
        for line in series {
            guard let markers = line.markers else { continue }
            for (index, marker) in markers.enumerated() where index < line.xs.count {
                let column = plot.x + x.cell(line.xs[index], cells: plot.width)
                let row = plot.y + plot.height - 1 - y.cell(line.ys[index], cells: plot.height)
                screen[column, row] = Cell(marker, foreground: line.color, attributes: [.bold])
            }
        }
    }

    static func drawAxes(
        into screen: inout Screen, plot: Rect, style: ChartStyle, yTicks: [(Double, String)],
        labelWidth: Int, x: Scale, y: Scale
    ) {
        let axisColumn = plot.x - 1
        let axisRow = plot.y + plot.height
        let glyphs =
            style.ascii
            ? (vertical: "|", horizontal: "-", corner: "+", yTick: "+", xTick: "+")
            : (vertical: "│", horizontal: "─", corner: "└", yTick: "┤", xTick: "┬")
        for row in plot.y..<axisRow { screen.write(glyphs.vertical, x: axisColumn, y: row, foreground: .border) }
        for column in plot.x..<(plot.x + plot.width) {
            screen.write(glyphs.horizontal, x: column, y: axisRow, foreground: .border)
        }
        screen.write(glyphs.corner, x: axisColumn, y: axisRow, foreground: .border)
        for (value, label) in yTicks {
            let row = plot.y + plot.height - 1 - y.cell(value, cells: plot.height)
            screen.write(glyphs.yTick, x: axisColumn, y: row, foreground: .border)
            let text = String(label.prefix(labelWidth))
            screen.write(text, x: axisColumn - text.count, y: row, foreground: .muted)
        }
        var nextFree = plot.x - 1
        for value in x.ticks(count: max(2, plot.width / 12)) {
            let column = plot.x + x.cell(value, cells: plot.width)
            let label = formatTick(value, step: x.step)
            let start = min(max(column - label.count / 2, plot.x - 1), plot.x + plot.width - label.count)
            screen.write(glyphs.xTick, x: column, y: axisRow, foreground: .border)
            // A label may start on the axis column itself; labels keep one blank between them.
            if start >= nextFree {
                screen.write(label, x: start, y: axisRow + 1, foreground: .muted)
                nextFree = start + label.count + 1
            }
        }
        let unit = style.xLabel
        let unitStart = plot.x + plot.width - unit.count
        if unitStart >= nextFree { screen.write(unit, x: unitStart, y: axisRow + 1, foreground: .muted) }
    }

    static func drawLegend(_ series: [ChartSeries], into screen: inout Screen, rect: Rect, ascii: Bool) {
        var column = rect.x + 1
        for line in series where !line.label.isEmpty {
            let entry = line.drawLine ? legendKey(line, ascii: ascii) + " " + line.label : line.label
            guard column + entry.count <= rect.x + rect.width else { break }
            screen.write(entry, x: column, y: rect.y, foreground: line.color)
            column += entry.count + 2
        }
    }

    /// What stands before a line's label in the legend: its marker when every point has the same one (an overlaid
    /// run's letter), else the line glyph.
    static func legendKey(_ line: ChartSeries, ascii: Bool) -> String {
        if let markers = line.markers, let first = markers.first, markers.allSatisfy({ $0 == first }) {
            return String(first)
        }
        return ascii ? "-" : "━"
    }
}
