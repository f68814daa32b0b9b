import ExitPolicies
import Testing

@testable import Dashboard

@Suite struct ChartTests {
    @Test func brailleDotsUseTheUnicodeLayout() {
        var canvas = DotCanvas(columns: 1, rows: 1, ascii: false)
        canvas.set(x: 0, y: 0, color: .text)
        canvas.set(x: 1, y: 3, color: .text)
        #expect(canvas.character(column: 0, row: 0) == "\u{2881}")
        var ascii = DotCanvas(columns: 1, rows: 1, ascii: true)
        ascii.set(x: 0, y: 3, color: .text)
        #expect(ascii.character(column: 0, row: 0) == ".")
    }

    @Test func aSpikeSurvivesDownsamplingAsEnvelope() {
        // 2,000 flat points with one spike: the envelope must reach the top row of the plot.
        var ys = [Double](repeating: 1, count: 2_000)
        ys[1_234] = 10
        let series = ChartSeries(label: "x", color: .text, xs: (0..<2_000).map(Double.init), ys: ys)
        var screen = Screen(size: Size(width: 40, height: 12))
        LineChart.draw(
            [series], style: ChartStyle(xLabel: "step", showLegend: false), into: &screen,
            rect: Rect(x: 0, y: 0, width: 40, height: 12))
        let brailleRows = (0..<12).filter { row in
            (0..<40).contains { (0x2801...0x28FF).contains(screen[$0, row].character.unicodeScalars.first!.value) }
        }
        #expect(brailleRows.first == 0, "spike row missing: \(screen.text)")
    }

    @Test func emaIsComputedOnTheFullSeries() {
        #expect(exponentialMovingAverage([0, 10, 10], alpha: 0.5) == [0, 5, 7.5])
        #expect(exponentialMovingAverage([], alpha: 0.5).isEmpty)
    }

    @Test func niceTicksAndLabels() {
        let scale = Scale(0.13...0.87)!
        #expect(scale.low == 0 && scale.high == 1)
        #expect(scale.ticks(count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1.0].map { $0 } || scale.ticks(count: 5).count <= 6)
        #expect(formatTick(0.25, step: 0.05) == "0.25")
        #expect(formatTick(1500, step: 500) == "1500")
        #expect(formatTick(25_000, step: 5_000) == "25k")
        #expect(Scale(nil) == nil)
        #expect(Scale(0...0).map { [$0.low, $0.high] } == [-1, 1])
        #expect(formatTick(-0.00001, step: 0.1) == "0.0")
    }

    @Test func logYDropsNonPositiveValues() {
        let series = ChartSeries(label: "", color: .text, xs: [0, 1, 2], ys: [0, 10, 100], markers: ["a", "b", "c"])
        let transformed = LineChart.transform(series, logY: true)
        #expect(transformed.ys == [1, 2] && transformed.markers == ["b", "c"])
    }

    @Test func screenClipsAndReplacesWideCharacters() {
        var screen = Screen(size: Size(width: 5, height: 1))
        #expect(screen.write("ab漢cdefg", x: 1, y: 0) == 4)  // clipped at the right edge
        #expect(screen.text == " ab?c")
        screen[9, 9] = Cell("x")
        #expect(screen[9, 9] == .blank)
    }
}

@Suite struct BudgetEngineTests {
    @Test func globalThresholdMatchesAHandCount() throws {
        var state = loadedState(view: .budget)
        state.budget.position = 0.8
        state = reduce(state, .sliderFine(0))
        let detail = try #require(state.focusedDetail)
        let result = try #require(state.budgetResult)
        var counts = [Int](repeating: 0, count: detail.exits.count)
        var correct = 0
        for sample in detail.samples {
            let exit = (0..<(detail.exits.count - 1)).first { sample.maxProb[$0] >= 0.8 } ?? detail.exits.count - 1
            counts[exit] += 1
            if sample.predicted[exit] == sample.label { correct += 1 }
        }
        #expect(result.exitCounts == counts)
        #expect(abs(result.accuracy - Double(correct) / Double(detail.samples.count)) < 1e-12)
        let flops = zip(counts, detail.exits).map { Double($0) * $1.cumulativeMFLOPs }.reduce(0, +)
        #expect(abs(result.averageMFLOPs - flops / Double(detail.samples.count)) < 1e-6)
    }

    @Test func targetModeStaysWithinBudget() throws {
        var state = loadedState(view: .budget)
        state = reduce(state, .cycleBudgetMode)
        state = reduce(state, .cycleBudgetMode)
        let target = 1.2 + state.budget.position * (9.6 - 1.2)
        let result = try #require(state.budgetResult)
        #expect(result.averageMFLOPs <= target + 1e-6)
    }

    @Test func missingMarginsGiveAClearError() throws {
        var data = FakeDataSource.standardData()
        data.details[1]!.samples = data.details[1]!.samples.map {
            var s = $0
            s.margin = []
            return s
        }
        var state = reduce(DashboardState(view: .budget, focusedRunID: 1), .dataLoaded(data))
        state = reduce(state, .cyclePolicy)
        state = reduce(state, .cyclePolicy)
        #expect(state.budgetResult == nil)
        #expect(state.budgetError?.contains("margin") == true)
        #expect(render(state, size: Size(width: 80, height: 24)).text.contains("margin"))
    }
}
