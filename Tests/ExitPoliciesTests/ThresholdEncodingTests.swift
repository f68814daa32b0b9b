import ExitPolicies
import Testing

/// Thresholds written on the command line, shown in reports and stored: the encodings agree with each other.
@Suite struct ThresholdEncodingTests {
    @Test func commaSeparatedTextParses() {
        #expect(Thresholds(commaSeparated: "0.8") == .global(0.8))
        #expect(Thresholds(commaSeparated: " 0.5, 0.25 ,1") == .perExit([0.5, 0.25, 1]))
        for bad in ["", "0.5,", "a", "0.5,nan", "inf", "0.5;0.6"] {
            #expect(Thresholds(commaSeparated: bad) == nil, "\(bad)")
        }
    }

    @Test func perExitValuesRoundTripThroughText() {
        for original in [Thresholds.global(0.75), .perExit([0.5, 0.25]), .perExit([0.125, 0.5, 0.9])] {
            let values = original.perExitValues(exitCount: 3)
            #expect(values.last == .some(nil))
            let written = values.dropLast().map { "\($0!)" }.joined(separator: ",")
            let reread = Thresholds(commaSeparated: written)
            #expect(reread?.perExitValues(exitCount: 3) == values)
        }
        #expect(Thresholds.perExit([0.5, nil]).perExitValues(exitCount: 3) == [0.5, nil, nil])
    }

    @Test func textShowsOneEntryPerExit() {
        #expect(Thresholds.global(0.8).text(exitCount: 3) == "0.8 0.8 -")
        #expect(Thresholds.perExit([0.123456, nil]).text(exitCount: 3) == "0.1235 - -")
    }

    @Test func storableMarksUnreachableAndLastExits() {
        let thresholds = Thresholds.perExit([0.5, nil])
        #expect(ExitPolicy.maxProb.storable(thresholds, exitCount: 3) == [0.5, 2, 0])
        #expect(ExitPolicy.margin.storable(thresholds, exitCount: 3) == [0.5, 2, 0])
        #expect(ExitPolicy.entropy.storable(thresholds, exitCount: 3) == [0.5, -1, .greatestFiniteMagnitude])
        #expect(ExitPolicy.entropy.unreachableThreshold == -1)
    }
}
