/// The two ends of an evaluation that example images show.
public enum ExampleKind: String, Sendable, Hashable, CaseIterable {
    /// Right at every exit: the first exit already has it.
    case easy
    /// Wrong at the first exit but right at the last: it needs the deep network.
    case hard
}

/// One evaluated sample chosen as an example of its kind.
public struct ExampleSample: Sendable, Hashable {
    /// Which kind it is an example of.
    public var kind: ExampleKind
    /// Index of the sample in its dataset split.
    public var sampleIndex: Int
    /// True class.
    public var label: Int32
    /// Predicted class per exit.
    public var predicted: [Int32]
    /// Max softmax probability per exit.
    public var maxProb: [Float]

    /// Creates an example; `predicted` and `maxProb` hold one value per exit.
    public init(kind: ExampleKind, sampleIndex: Int, label: Int32, predicted: [Int32], maxProb: [Float]) {
        self.kind = kind
        self.sampleIndex = sampleIndex
        self.label = label
        self.predicted = predicted
        self.maxProb = maxProb
    }

    /// Max softmax probability at the first exit.
    public var firstExitConfidence: Float { maxProb[0] }

    /// First exit whose prediction is right (nil: none is, never the case for an example).
    public var firstCorrectExit: Int? { predicted.firstIndex(of: label) }

    /// `<kind>-<split>-<index>-<class slug>.png`, e.g. `easy-test-42-t-shirt-top.png`.
    public func fileName(split: String, className: String) -> String {
        "\(kind.rawValue)-\(split)-\(sampleIndex)-\(Self.slug(className)).png"
    }

    /// `name` in lower case with every run of characters other than ASCII letters and digits turned into one '-',
    /// none at either end ("class" when nothing is left).
    public static func slug(_ name: String) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        return slug.isEmpty ? "class" : slug
    }
}

extension SampleTable {
    /// Up to `limit` examples of `kind`. Easy samples are right at every exit, the most confident at the first exit
    /// first; hard samples are wrong at the first exit and right at the last, the least confident at the first exit
    /// first (equal confidences: lower sample index first). Classes are spread: the best candidate of each class is
    /// taken, in that order, before a second candidate of any class. Fewer come back when fewer qualify.
    public func examples(_ kind: ExampleKind, limit: Int) -> [ExampleSample] {
        // A NaN confidence (a record from elsewhere) counts as the lowest, so the order stays total.
        func confidence(_ example: ExampleSample) -> Float {
            example.firstExitConfidence.isNaN ? -.infinity : example.firstExitConfidence
        }
        let candidates = (0..<sampleCount).compactMap { example(kind, sample: $0) }.sorted { a, b in
            let (first, second) = (confidence(a), confidence(b))
            if first != second { return kind == .easy ? first > second : first < second }
            return a.sampleIndex < b.sampleIndex
        }
        // A candidate's round is how many better candidates of its class come before it.
        var seenOfClass: [Int32: Int] = [:]
        let ranked = candidates.enumerated().map { position, candidate in
            let round = seenOfClass[candidate.label, default: 0]
            seenOfClass[candidate.label] = round + 1
            return (round: round, position: position, candidate: candidate)
        }
        return ranked.sorted { ($0.round, $0.position) < ($1.round, $1.position) }.prefix(max(limit, 0))
            .map(\.candidate)
    }

    /// Row `sample` as an example of `kind`, or nil when it is not one.
    private func example(_ kind: ExampleKind, sample: Int) -> ExampleSample? {
        guard exitCount > 0 else { return nil }
        let label = labels[sample]
        let offsets = (0..<exitCount).map { offset(exit: $0, sample: sample) }
        let predicted = offsets.map { self.predicted[$0] }
        let qualifies =
            switch kind {
            case .easy: predicted.allSatisfy { $0 == label }
            case .hard: predicted[0] != label && predicted[exitCount - 1] == label
            }
        guard qualifies else { return nil }
        return ExampleSample(
            kind: kind, sampleIndex: Int(sampleIndices[sample]), label: label, predicted: predicted,
            maxProb: offsets.map { maxProb[$0] })
    }
}
