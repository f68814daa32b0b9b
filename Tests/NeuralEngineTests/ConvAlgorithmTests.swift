import Testing

@testable import NeuralEngine

/// `ConvAlgorithm.choose` against the three separate decisions it replaced (conv forward, conv backward and the
/// graph's keep-the-columns test), copied here verbatim as the reference, on every combination of kernel, stride,
/// padding, batch, channels and plane below.
@Suite struct ConvAlgorithmTests {
    /// The decisions as the engine made them before `ConvAlgorithm` existed.
    enum Reference {
        static func directApplies(_ g: ConvGeometry) -> Bool { directAppliesForward(g) && g.input.w >= 12 }
        static func directAppliesForward(_ g: ConvGeometry) -> Bool {
            g.stride == 1 && g.kernelH == 3 && g.kernelW == 3 && g.padding == 1
                && g.input.c <= 24 && g.outChannels <= 16 && g.input.w >= 6
        }
        static func singleImageDirect(_ g: ConvGeometry) -> Bool {
            g.input.n == 1 && g.stride == 1 && g.kernelH == 3 && g.kernelW == 3 && g.padding == 1
                && g.input.c <= 96 && g.outChannels <= 24 && g.input.w >= 6
        }
        static func usesNarrowPointwise(_ g: ConvGeometry) -> Bool {
            g.isPointwise && g.outChannels <= 8 && g.outPlane >= 16
        }
        static func usesPerImageGEMM(_ g: ConvGeometry) -> Bool { g.isPointwise && g.outPlane >= 49 }
        static func usesShiftConv(_ g: ConvGeometry) -> Bool {
            guard g.kernelH == 3, g.kernelW == 3, !directApplies(g), g.input.n * g.outPlane >= 256 else {
                return false
            }
            if g.stride == 2 { return g.input.c >= 32 && ShiftConv.productShare(g) <= 0.8 }
            return g.stride == 1 && 5 * g.outChannels <= 2 * g.input.c && g.input.c >= 48
        }
        static func columnsFitOneChunk(_ g: ConvGeometry) -> Bool {
            !usesPerImageGEMM(g) && !directApplies(g) && ConvKernels.imagesPerChunk(g) >= g.input.n
        }

        static func forward(_ g: ConvGeometry, keepColumns: Bool) -> ConvAlgorithm {
            if directApplies(g) || (!keepColumns && (directAppliesForward(g) || singleImageDirect(g))) {
                return .direct
            }
            if usesNarrowPointwise(g) { return .narrowPointwise }
            if usesPerImageGEMM(g) { return .perImageGEMM }
            if !keepColumns && usesShiftConv(g) { return .shiftedGEMM }
            return .columnGEMM
        }

        static func backward(_ g: ConvGeometry, savedColumns: Bool) -> ConvAlgorithm {
            if !savedColumns && usesShiftConv(g) { return .shiftedGEMM }
            if directApplies(g) { return .direct }
            if usesNarrowPointwise(g) { return .narrowPointwise }
            if usesPerImageGEMM(g) { return .perImageGEMM }
            return .columnGEMM
        }

        static func keepsColumns(_ g: ConvGeometry) -> Bool {
            !g.isPointwise && columnsFitOneChunk(g) && !usesShiftConv(g) && !directAppliesForward(g)
                && !singleImageDirect(g)
        }
    }

    static func geometries() -> [ConvGeometry] {
        var result: [ConvGeometry] = []
        let planes = [(2, 2), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8), (11, 11), (12, 12), (14, 14), (28, 28), (32, 32)]
        for (k, stride, padding) in [
            (1, 1, 0), (1, 2, 0), (1, 1, 1), (3, 1, 1), (3, 2, 1), (3, 1, 0), (3, 1, 2), (5, 1, 2),
        ] {
            for n in [1, 4, 8, 32, 64] {
                for c in [1, 5, 12, 24, 25, 32, 47, 48, 64, 96, 160] {
                    for m in [1, 9, 16, 17, 19, 20, 24, 128] {
                        for (h, w) in planes + [(7, 13), (13, 7), (16, 6)] where h + 2 * padding >= k {
                            result.append(
                                ConvGeometry(
                                    input: NCHW(n, c, h, w), outChannels: m, kernelH: k, kernelW: k, stride: stride,
                                    padding: padding))
                        }
                    }
                }
            }
        }
        return result
    }

    @Test func choiceMatchesTheFormerDecisionsForEveryGeometryAndPass() {
        var mismatches: [String] = []
        var seen: Set<String> = []
        for g in Self.geometries() {
            for keep in [false, true] {
                let forward = ConvAlgorithm.choose(for: g, .forward(keepingColumns: keep))
                let backward = ConvAlgorithm.choose(for: g, .backward(withSavedColumns: keep))
                seen.insert("\(forward)")
                if forward != Reference.forward(g, keepColumns: keep) { mismatches.append("forward keep \(keep) \(g)") }
                if backward != Reference.backward(g, savedColumns: keep) {
                    mismatches.append("backward saved \(keep) \(g)")
                }
            }
            if ConvAlgorithm.keepsColumns(g) != Reference.keepsColumns(g) { mismatches.append("keeps \(g)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
        #expect(
            seen == ["direct", "narrowPointwise", "perImageGEMM", "shiftedGEMM", "columnGEMM"],
            "every algorithm is exercised")
    }

    /// Key decisions by name: the shapes RANet's dense layers and classifiers are made of.
    @Test func keyShapesTakeTheirKernels() {
        func geometry(_ n: Int, _ c: Int, _ hw: Int, _ m: Int, k: Int = 3, stride: Int = 1) -> ConvGeometry {
            ConvGeometry(
                input: NCHW(n, c, hw, hw), outChannels: m, kernelH: k, kernelW: k, stride: stride,
                padding: k / 2)
        }
        let inference = ConvPass.forward(keepingColumns: false)
        #expect(ConvAlgorithm.choose(for: geometry(32, 5, 28, 5), inference) == .direct)
        #expect(ConvAlgorithm.choose(for: geometry(32, 24, 7, 12), inference) == .direct)
        #expect(ConvAlgorithm.choose(for: geometry(32, 24, 7, 12), .backward(withSavedColumns: false)) == .columnGEMM)
        #expect(ConvAlgorithm.choose(for: geometry(32, 96, 7, 24), inference) == .shiftedGEMM)
        #expect(ConvAlgorithm.choose(for: geometry(1, 96, 7, 24), inference) == .direct)
        #expect(ConvAlgorithm.choose(for: geometry(1, 96, 7, 24), .backward(withSavedColumns: false)) == .columnGEMM)
        #expect(ConvAlgorithm.choose(for: geometry(2, 48, 8, 12), inference) == .columnGEMM)
        #expect(ConvAlgorithm.choose(for: geometry(1, 97, 8, 12), inference) == .columnGEMM)
        #expect(ConvAlgorithm.choose(for: geometry(32, 160, 7, 128, stride: 2), inference) == .shiftedGEMM)
        #expect(ConvAlgorithm.choose(for: geometry(32, 64, 7, 16, k: 1), inference) == .perImageGEMM)
        #expect(ConvAlgorithm.choose(for: geometry(32, 68, 32, 5, k: 1), inference) == .narrowPointwise)
        #expect(
            ConvAlgorithm.choose(for: geometry(32, 68, 32, 5, k: 1), .backward(withSavedColumns: false))
                == .narrowPointwise)
        #expect(ConvAlgorithm.choose(for: geometry(32, 64, 4, 16, k: 1), inference) == .columnGEMM)
        #expect(!ConvAlgorithm.keepsColumns(geometry(32, 64, 4, 16, k: 1)))
        #expect(ConvAlgorithm.keepsColumns(geometry(8, 30, 7, 24)))
    }
}
