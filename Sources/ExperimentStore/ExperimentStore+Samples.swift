import ExperimentRecords
import Foundation
import GRDB

extension ExperimentStore {
    /// Appends per-sample records of an evaluation in one transaction (a sample index stored again is replaced).
    /// Every record must have one value per exit of the evaluation.
    public func appendSamples(evaluationID: Int64, _ samples: [SampleRecord]) throws {
        guard !samples.isEmpty else { return }
        try write { db in
            let exitCount = try Self.exitCount(db, evaluationID: evaluationID)
            let insertSample = try db.makeStatement(
                sql: """
                    INSERT OR REPLACE INTO samples
                        (evaluation_id, sample_index, label, max_prob, entropy, margin, predicted)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            let insertImage = try db.makeStatement(
                sql: """
                    INSERT OR REPLACE INTO sample_images (evaluation_id, sample_index, channels, height, width, pixels)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
            for sample in samples {
                try sample.validate(exitCount: exitCount)
                insertSample.setUncheckedArguments([
                    evaluationID, sample.sampleIndex, Int64(sample.label), BlobCoding.encode(sample.maxProb),
                    BlobCoding.encode(sample.entropy), BlobCoding.encode(sample.margin),
                    BlobCoding.encode(sample.predicted),
                ])
                try insertSample.execute()
                guard let image = sample.image else { continue }
                insertImage.setUncheckedArguments([
                    evaluationID, sample.sampleIndex, image.channels, image.height, image.width, Data(image.pixels),
                ])
                try insertImage.execute()
            }
        }
    }

    /// Number of samples stored for an evaluation.
    public func sampleCount(evaluationID: Int64) throws -> Int {
        try read { db in try Self.sampleCount(db, evaluationID: evaluationID) }
    }

    /// All samples of an evaluation as struct-of-arrays (exit-major), ordered by sample index. One snapshot read
    /// that scatters blobs straight into the arrays; 50,000 samples x 8 exits load in a few tens of ms (release).
    public func sampleTable(evaluationID: Int64) throws -> SampleTable {
        try read { db in
            let exitCount = try Self.exitCount(db, evaluationID: evaluationID)
            let count = try Self.sampleCount(db, evaluationID: evaluationID)
            var table = SampleTable(
                exitCount: exitCount, sampleIndices: [Int32](repeating: 0, count: count),
                labels: [Int32](repeating: 0, count: count), maxProb: [Float](repeating: 0, count: count * exitCount),
                entropy: [Float](repeating: 0, count: count * exitCount),
                margin: [Float](repeating: 0, count: count * exitCount),
                predicted: [Int32](repeating: 0, count: count * exitCount))
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sample_index, label, max_prob, entropy, margin, predicted FROM samples
                    WHERE evaluation_id = ? ORDER BY sample_index
                    """,
                arguments: [evaluationID])
            var sample = 0
            while let row = try rows.next(), sample < count {
                try Self.scatter(row, into: &table, sample: sample, evaluationID: evaluationID)
                sample += 1
            }
            return table
        }
    }

    /// The stored image of one sample, or nil if none was stored.
    public func sampleImage(evaluationID: Int64, sampleIndex: Int) throws -> SampleImage? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT channels, height, width, pixels FROM sample_images
                    WHERE evaluation_id = ? AND sample_index = ?
                    """,
                arguments: [evaluationID, sampleIndex]
            ).map { row in
                SampleImage(channels: row[0], height: row[1], width: row[2], pixels: [UInt8](row[3] as Data))
            }
        }
    }

    /// The stored images of an evaluation with sample index below `indexLimit`, keyed by sample index, in one query
    /// (a dashboard opening a run reads thousands of thumbnails, too slow to fetch with one query each).
    public func sampleImages(evaluationID: Int64, indexLimit: Int = Int.max) throws -> [Int: SampleImage] {
        try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sample_index, channels, height, width, pixels FROM sample_images
                    WHERE evaluation_id = ? AND sample_index < ?
                    """,
                arguments: [evaluationID, Int64(clamping: indexLimit)])
            var images: [Int: SampleImage] = [:]
            while let row = try rows.next() {
                images[row[0]] = SampleImage(
                    channels: row[1], height: row[2], width: row[3], pixels: [UInt8](row[4] as Data))
            }
            return images
        }
    }

    private static func sampleCount(_ db: Database, evaluationID: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM samples WHERE evaluation_id = ?", arguments: [evaluationID])
            ?? 0
    }

    /// Copies one `samples` row into slot `sample` of the exit-major table without intermediate arrays.
    private static func scatter(_ row: Row, into table: inout SampleTable, sample: Int, evaluationID: Int64) throws {
        let count = table.sampleCount
        let exits = table.exitCount
        table.sampleIndices[sample] = Int32(truncatingIfNeeded: row[0] as Int64)
        table.labels[sample] = Int32(truncatingIfNeeded: row[1] as Int64)
        func floats(_ column: Int, _ target: inout [Float]) throws -> Bool {
            try row.withUnsafeData(atIndex: column) { data in
                BlobCoding.scatterFloats(data ?? Data(), count: exits, into: &target, start: sample, stride: count)
            }
        }
        let complete =
            try floats(2, &table.maxProb) && floats(3, &table.entropy) && floats(4, &table.margin)
            && row.withUnsafeData(atIndex: 5) { data in
                BlobCoding.scatterInt32(
                    data ?? Data(), count: exits, into: &table.predicted, start: sample, stride: count)
            }
        guard complete else {
            throw StoreError.invalidRecord(
                "evaluation \(evaluationID) sample \(table.sampleIndices[sample]): blobs do not hold \(exits) exits")
        }
    }
}
