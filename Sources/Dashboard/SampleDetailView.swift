import ExitPolicies
import ExperimentRecords
import Foundation

/// Drill-down of one sample: the image in half blocks and every exit's confidence and prediction.
enum SampleDetailView {
    static func draw(
        _ state: DashboardState, _ detail: RunDetail, _ result: BudgetResult, _ row: SampleRow,
        into screen: inout Screen, rect: Rect
    ) {
        let sample = detail.samples[row.offset]
        let title = "Sample #\(sample.sampleIndex): \(detail.className(sample.label)) (Esc or Enter goes back)"
        let inner = drawPanel(title, into: &screen, rect: rect, ascii: state.options.ascii)
        var infoX = inner.x + 1
        if let image = sample.image {
            let imageArea = Rect(x: inner.x + 1, y: inner.y, width: min(inner.width / 2, 64), height: inner.height)
            let used = drawImage(image, options: state.options, into: &screen, rect: imageArea)
            infoX += used + 2
        }
        let info = Rect(x: infoX, y: inner.y, width: inner.x + inner.width - infoX, height: inner.height)
        drawExitTable(state, detail, row, sample, into: &screen, rect: info)
    }

    /// Draws the image scaled by the largest integer factor that fits; returns the columns used.
    static func drawImage(_ image: SampleImage, options: DisplayOptions, into screen: inout Screen, rect: Rect) -> Int {
        guard image.width > 0, image.height > 0 else { return 0 }
        let characterMode = options.ascii || options.monochrome
        let pixelRowsPerCell = 2
        let scale = max(1, min(rect.width / image.width, rect.height * pixelRowsPerCell / image.height))
        let columns = min(rect.width, image.width * scale)
        let rows = min(rect.height, (image.height * scale + 1) / pixelRowsPerCell)
        for cellRow in 0..<rows {
            for column in 0..<columns {
                let top = image.color(x: column / scale, y: (cellRow * 2) / scale)
                let bottom = image.color(x: column / scale, y: (cellRow * 2 + 1) / scale)
                let cell =
                    characterMode
                    ? Cell(shade(top, bottom, ascii: options.ascii))
                    : Cell("▀", foreground: .rgb(top), background: .rgb(bottom))
                screen[rect.x + column, rect.y + cellRow] = cell
            }
        }
        return columns
    }

    /// A character whose density follows the brightness of two stacked pixels.
    static func shade(_ top: RGB, _ bottom: RGB, ascii: Bool) -> Character {
        func luminance(_ colour: RGB) -> Double {
            0.299 * Double(colour.red) + 0.587 * Double(colour.green) + 0.114 * Double(colour.blue)
        }
        let level = (luminance(top) + luminance(bottom)) / 2 / 256
        let ramp: [Character] = ascii ? Array(" .:-=+*#%@") : Array(" ░▒▓█")
        return ramp[min(ramp.count - 1, Int(level * Double(ramp.count)))]
    }

    static func drawExitTable(
        _ state: DashboardState, _ detail: RunDetail, _ row: SampleRow, _ sample: SampleRecord,
        into screen: inout Screen, rect: Rect
    ) {
        let exitCount = detail.exits.count
        var y = rect.y
        func line(_ text: String, _ color: ColorRole = .text, _ attributes: CellAttributes = []) {
            guard y < rect.y + rect.height else { return }
            screen.write(text, x: rect.x, y: y, foreground: color, attributes: attributes, maxWidth: rect.width)
            y += 1
        }
        line("label " + detail.className(sample.label) + "   dataset index \(sample.sampleIndex)", .title, [.bold])
        line(
            "leaves at \(exitName(row.exit)) (\(stageName(detail.run)) \(subnetworkText(detail.exits[row.exit].subnetwork)), "
                + "\(resolutionText(detail.exits[row.exit].resolution))) as \(detail.className(row.predicted)) "
                + (row.correct ? "- correct" : "- wrong"), row.correct ? .good : .bad)
        line("under \(state.budget.policy.rawValue) \(state.budgetResult?.sliderLabel ?? "")", .muted)
        if SampleList.overthinks(sample) { line("overthinking: right at an earlier exit, wrong at the last", .hard) }
        y += 1
        let barWidth = max(6, min(24, rect.width - 38))
        line(fit("exit", 5) + fit("sub res", 8) + fit("confidence", barWidth + 6) + "prediction", .muted, [.bold])
        for exit in 0..<exitCount {
            guard y < rect.y + rect.height else { break }
            let info = detail.exits[exit]
            let confidence = exit < sample.maxProb.count ? Double(sample.maxProb[exit]) : 0
            let predicted = exit < sample.predicted.count ? sample.predicted[exit] : -1
            let correct = predicted == sample.label
            let marker = exit == row.exit ? (state.options.ascii ? " <- exits here" : " ◀ exits here") : ""
            let text =
                fit(String(exit + 1), 5)
                + fit("\(subnetworkText(info.subnetwork)) \(resolutionText(info.resolution))", 8)
                + bar(confidence, width: barWidth, ascii: state.options.ascii) + String(format: " %.2f ", confidence)
                + fit(detail.className(predicted), 10)
                + (correct ? (state.options.ascii ? "y" : "✓") : (state.options.ascii ? "n" : "✗"))
                + marker
            screen.write(text, x: rect.x, y: y, attributes: exit == row.exit ? [.bold] : [], maxWidth: rect.width)
            screen.colorExitNumber(exit, of: exitCount, x: rect.x, y: y)
            screen.restyle(x: rect.x + 13, y: y, width: barWidth, foreground: exitColor(exit, of: exitCount))
            screen.restyle(x: rect.x + 13 + barWidth + 6, y: y, width: 11, foreground: correct ? .good : .bad)
            y += 1
        }
    }
}
