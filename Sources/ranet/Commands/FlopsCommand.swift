import AdaptiveNets
import ArgumentParser
import Foundation
import ModelConfigs

/// `ranet flops`: the per-exit cost table of a preset or config file.
struct FlopsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flops",
        abstract: "Per-exit cumulative FLOPs and parameters of a model (the reference's counting rules).",
        discussion:
            "Presets: \(ModelFactory.presetSummary). A config file with \"arch\": \"msdnet\" is MSDNet, one without \"arch\" RANet. FLOPs are multiply-adds of convs and linears plus ReLU elements and pooling windows, at batch 1."
    )

    @Argument(help: "A preset name (RANet or MSDNet) or a path to a config .json file.")
    var model: String

    @Flag(
        help:
            "With IMTA's stage-2 heads: each exit's new linear head over the pooled classifier features and the ISC module feeding it (not the model's own linear heads).",
    )
    var imta = false

    @Flag(help: "Print one JSON object with exact integers instead of a table.")
    var json = false

    func run() throws {
        let config = try ModelFactory.config(named: model)
        let network = try ModelFactory.build(NetworkConfig(config, imtaHeads: imta), initialize: false)
        let cost = try network.cost()
        if json {
            // The keys of the architecture's golden table: RANet exits name their sub-network, MSDNet reports its
            // layers per block (exit k is block k).
            var object: [String: Any] = [
                "exits": network.exitCount, "cumulativeFlops": cost.cumulativeFlops,
                "cumulativeParams": cost.cumulativeParams, "classifierInput": cost.classifierInput,
            ]
            switch config {
            case .ranet: object["exitSubnetwork"] = cost.exitStage
            case .msdnet(let c): object["layersPerBlock"] = c.layersPerBlock
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(
            "exit  \(config.arch == "msdnet" ? "      block" : "sub-network")  classifier input (C,H,W)  cum. MFLOPs  cum. params"
        )
        for e in 0..<network.exitCount {
            let shape = cost.classifierInput[e].map(String.init).joined(separator: ",")
            let input = "(\(shape))".padding(toLength: 24, withPad: " ", startingAt: 0)
            let params =
                String(repeating: " ", count: max(0, 11 - grouped(cost.cumulativeParams[e]).count))
                + grouped(cost.cumulativeParams[e])
            print(
                String(format: "%4d  %11d  ", e, cost.exitStage[e]) + input
                    + String(format: "  %11.4f  ", Double(cost.cumulativeFlops[e]) / 1e6) + params)
        }
    }

    private func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
