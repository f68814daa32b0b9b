import AdaptiveNets
import ArgumentParser
import Datasets
import ExperimentRecords
import ExperimentStore
import Foundation

/// `--split test|validation` of `sample-images` (`val` too, as `eval` and `infer` spell it).
struct ExampleSplit: ExpressibleByArgument {
    let split: Split

    static let test = ExampleSplit(split: .test)

    init(split: Split) { self.split = split }

    init?(argument: String) {
        switch argument {
        case "test": split = .test
        case "validation", "val": split = .val
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["test", "validation"] }

    var defaultValueDescription: String { name }

    /// The split's name in file names and output.
    var name: String { split == .val ? "validation" : "test" }
}

/// `ranet sample-images`: easy and hard images of a run's dataset, chosen by its stored evaluation, as PNG files.
struct SampleImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-images",
        abstract: "Write easy and hard images of a run's dataset as PNG files, chosen by its stored evaluation.",
        discussion: """
            The choice reads the per-sample records of the run's latest evaluation of the split (`ranet eval` writes \
            them). Easy images are right at every exit, the most confident at exit 0 (max softmax probability) first. \
            Hard images are wrong at exit 0 but right at the last exit (they need the deep network), the least \
            confident at exit 0 first. Equal confidences go by dataset index. Classes are spread: the best image of \
            each class is taken before a second one of any class. When fewer images qualify than asked for, all \
            that do are written and stderr says so.

            Each file holds the dataset's image at the index the evaluation recorded, as the evaluation saw it before \
            normalisation: 8-bit grey or RGB at the model's input size (image folders of other sizes: resized and \
            centre-cropped as evaluation does), so `ranet infer --run ID --image FILE` gives the recorded predictions. \
            An image whose label or stored thumbnail disagrees with the records (the data changed since the \
            evaluation) is refused. Files are named <easy|hard>-<split>-<index>-<class>.png and written atomically \
            into --out-dir, created if missing; an existing file is replaced only with --force, the store and run \
            checkpoints never.
            """)

    @Option(name: .customLong("run"), help: "Run id.") var runID: Int64
    @Option(help: "Directory the PNG files are written into (created if missing).") var outDir: String
    @Option(help: "Split whose latest evaluation chooses the images: test or validation (val).")
    var split: ExampleSplit = .test
    @Option(help: "Number of easy images (right at every exit).") var easy: Int = 3
    @Option(help: "Number of hard images (wrong at exit 0, right at the last exit).") var hard: Int = 3
    @Flag(help: "Print a JSON array of objects (one per file) instead of lines.") var json = false
    @Flag(help: "Replace files that exist.") var force = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if easy < 0 { throw ValidationError("--easy must be at least 0, got \(easy)") }
        if hard < 0 { throw ValidationError("--hard must be at least 0, got \(hard)") }
        if easy + hard == 0 { throw ValidationError("--easy and --hard are both 0: nothing to write") }
    }

    func run() throws {
        let store = try storeOptions.openStoreForReading()
        let run = try store.requiredRun(id: runID)
        let evaluation = try StoredRecords.evaluation(
            store, runID: runID, split: split.split.rawValue, evaluationID: nil)
        guard let evaluationID = evaluation.id else { throw CLIError("evaluation has no id") }
        let table = try store.sampleTable(evaluationID: evaluationID)
        guard table.sampleCount > 0 else {
            throw CLIError(
                "evaluation \(evaluationID) (\(evaluation.split) split) has no per-sample records: run `ranet eval --run \(runID)` again"
            )
        }
        let examples = ExampleKind.allCases.flatMap { choose($0, from: table, evaluationID: evaluationID) }
        let config = try run.modelConfig()
        let settings = try RunSettings.forInference(run: run, options: nil, channels: config.input[0], strict: true)
            .settings
        let classNames = InferenceInputs.classNames(of: settings, classes: config.classes)
        func className(_ label: Int32) -> String {
            classNames.indices.contains(Int(label)) ? classNames[Int(label)] : "class \(label)"
        }
        let paths = try outputPaths(examples.map { $0.fileName(split: split.name, className: className($0.label)) })
        if !examples.isEmpty {
            let data =
                split.split == .val
                ? try settings.loadTrainingData(input: config.input).validation
                : try settings.loadTestData(input: config.input)
            try checkSameImages(data, examples: examples, table: table, store: store, evaluationID: evaluationID)
            for (example, path) in zip(examples, paths) {
                let png = try PNGCodec.encode(data.pngPixels(at: example.sampleIndex))
                do { try AtomicFile.write(Data(png), to: path) } catch { throw CLIError("\(error)") }
            }
        }
        if json {
            try printJSONArray(
                zip(examples, paths).map { example, path in
                    jsonObject(example, path: path, className: className(example.label), evaluationID: evaluationID)
                })
            return
        }
        for (example, path) in zip(examples, paths) {
            print(
                "wrote \(path): \(example.kind.rawValue), \(split.name) image \(example.sampleIndex), class "
                    + "\(example.label) (\(className(example.label))), exit-0 confidence "
                    + String(format: "%.4f", example.firstExitConfidence) + ", first right at exit "
                    + (example.firstCorrectExit.map(String.init) ?? "none"))
        }
    }

    /// The examples of `kind` asked for; says on stderr when fewer qualify.
    func choose(_ kind: ExampleKind, from table: SampleTable, evaluationID: Int64) -> [ExampleSample] {
        let asked = kind == .easy ? easy : hard
        let chosen = table.examples(kind, limit: asked)
        if chosen.count < asked {
            let rule = kind == .easy ? "right at every exit" : "wrong at exit 0 and right at the last exit"
            FileHandle.standardError.write(
                Data(
                    ("only \(chosen.count) of \(asked) \(kind.rawValue) image(s) found: of evaluation \(evaluationID)'s "
                        + "\(table.sampleCount) \(split.name) images, no more are \(rule)\n").utf8))
        }
        return chosen
    }

    /// The files' paths in --out-dir (created if missing), each checked before anything is written.
    func outputPaths(_ names: [String]) throws -> [String] {
        do { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch {
            throw CLIError("--out-dir \(outDir): cannot create the directory: \(error.localizedDescription)")
        }
        let paths = names.map { URL(fileURLWithPath: outDir).appendingPathComponent($0).path }
        for path in paths { try OutputTarget.check(path, force: force, storeOptions: storeOptions) }
        return paths
    }

    /// Refuses images that cannot be the ones evaluated: another number of images, another label than recorded, or
    /// other pixels than the thumbnail stored with the record.
    func checkSameImages(
        _ data: Dataset, examples: [ExampleSample], table: SampleTable, store: ExperimentStore, evaluationID: Int64
    ) throws {
        let changed = "the run's data changed since the evaluation: run `ranet eval --run \(runID)` again"
        guard data.count == table.sampleCount else {
            throw CLIError(
                "evaluation \(evaluationID) recorded \(table.sampleCount) \(split.name) images but the run's "
                    + "\(split.name) split has \(data.count): \(changed)")
        }
        for example in examples {
            let index = example.sampleIndex
            guard data.labels.indices.contains(index), data.labels[index] == example.label else {
                let found = data.labels.indices.contains(index) ? "class \(data.labels[index])" : "no such image"
                throw CLIError(
                    "\(split.name) image \(index) is recorded as class \(example.label) but the run's data has "
                        + "\(found): \(changed)")
            }
            guard let thumbnail = try store.sampleImage(evaluationID: evaluationID, sampleIndex: index) else {
                continue
            }
            let sameShape =
                [thumbnail.channels, thumbnail.height, thumbnail.width] == [data.channels, data.height, data.width]
            guard sameShape && thumbnail.pixels.elementsEqual(data.image(at: index)) else {
                throw CLIError("\(split.name) image \(index) differs from the thumbnail stored with it: \(changed)")
            }
        }
    }

    func jsonObject(_ example: ExampleSample, path: String, className: String, evaluationID: Int64) -> [String: Any] {
        [
            "file": path, "kind": example.kind.rawValue, "run": runID, "evaluation": evaluationID,
            "split": split.name, "sampleIndex": example.sampleIndex, "label": Int(example.label),
            "className": className, "firstExitConfidence": Double(example.firstExitConfidence),
            "firstCorrectExit": example.firstCorrectExit.map { $0 as Any } ?? NSNull(),
            "predicted": example.predicted.map(Int.init), "maxProb": example.maxProb.map(Double.init),
        ]
    }
}
