import AdaptiveNets
import ArgumentParser
import Foundation

/// `ranet verify-vectors`: recomputes a PyTorch reference vector set and reports each group's error.
struct VerifyVectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-vectors",
        abstract: "Check the engine against PyTorch reference vectors (weights.safetensors + io.safetensors).",
        discussion: """
            The model is built from the `args` and `input_shape_NCHW` metadata: MSDNet when args say \
            "arch": "msdnet" (e.g. vectors/MS), RANet otherwise (e.g. vectors/S). Groups: eval logits, train logits, \
            loss, every gradient, BN running stats after the forward, parameters after one SGD step, eval logits \
            after it. A tensor's error is its largest absolute difference divided by the larger of its own largest \
            reference magnitude and the group's floor, 1/1000 of the group's largest magnitude: a tensor whose values \
            cancel to far below those of its group (BN weight gradients of 1e-7 beside gradients of 0.1) keeps the \
            absolute float32 noise of the terms it was summed from, which PyTorch itself shows, so it is not held to \
            its own tiny scale; a wrong sign, term or scale still fails. A group passes when every tensor's error is \
            within its tolerance (1e-4; 5e-4 for gradients and the SGD step). Exits non-zero if any group fails.
            """)

    @Argument(help: "Directory holding weights.safetensors and io.safetensors.")
    var directory: String

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        let report = try VectorVerification.verify(directory: directory)
        let results = report.groups
        if json {
            let data = try JSONEncoder().encode(results)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("group                    tensors   max abs err   max rel err   tolerance  result  worst tensor")
            for r in results {
                let name = r.group.padding(toLength: 24, withPad: " ", startingAt: 0)
                print(
                    name
                        + String(
                            format: " %7d   %11.3e   %11.3e   %9.0e  ", r.tensors, Double(r.maxAbsolute),
                            Double(r.maxRelative), Double(r.tolerance)) + (r.passed ? "PASS    " : "FAIL    ")
                        + r.worstTensor)
            }
            let kinks = report.ambiguousReluElements
            if kinks > 0 {
                print(
                    "note: \(kinks) ReLU input(s) sat on the kink within float32 noise; gradients were compared under both of their decisions"
                )
            }
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
