import ExperimentRecords
import Testing

@Suite struct DurationFormatTests {
    @Test func progressStyleTruncatesAndShowsHoursOnlyWhenNeeded() {
        #expect(formatDuration(0, style: .progress) == "00:00")
        #expect(formatDuration(59.9, style: .progress) == "00:59")
        #expect(formatDuration(754, style: .progress) == "12:34")
        #expect(formatDuration(3599.9, style: .progress) == "59:59")
        #expect(formatDuration(3600, style: .progress) == "1:00:00")
        #expect(formatDuration(45_296, style: .progress) == "12:34:56")
        #expect(formatDuration(-1, style: .progress) == "--:--")
        #expect(formatDuration(.infinity, style: .progress) == "--:--")
        #expect(formatDuration(.nan, style: .progress) == "--:--")
    }

    @Test func clockStyleRoundsAndAlwaysShowsHours() {
        #expect(formatDuration(0, style: .clock) == "0:00:00")
        #expect(formatDuration(59.5, style: .clock) == "0:01:00")
        #expect(formatDuration(2_710, style: .clock) == "0:45:10")
        #expect(formatDuration(45_296.4, style: .clock) == "12:34:56")
        #expect(formatDuration(-5, style: .clock) == "0:00:00")
        #expect(formatDuration(.infinity, style: .clock) == "--:--")
    }
}
