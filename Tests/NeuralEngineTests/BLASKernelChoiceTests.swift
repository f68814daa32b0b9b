import Testing

@testable import NeuralEngine

@Suite struct BLASKernelChoiceTests {
    @Test func genericFallbackOnAVX512AsksForSkylakeX() {
        #expect(
            BLASKernelChoice.coreTypeToRequest(currentCore: "Prescott", simdLevel: 2, userCoreType: nil) == "SkylakeX")
        #expect(BLASKernelChoice.coreTypeToRequest(currentCore: "Core2", simdLevel: 2, userCoreType: "") == "SkylakeX")
    }

    @Test func genericFallbackOnAVX2AsksForHaswell() {
        #expect(
            BLASKernelChoice.coreTypeToRequest(currentCore: "Prescott", simdLevel: 1, userCoreType: nil) == "Haswell")
        #expect(
            BLASKernelChoice.coreTypeToRequest(currentCore: "Sandybridge", simdLevel: 1, userCoreType: nil) == "Haswell"
        )
    }

    @Test func vectorKernelsAndUserChoicesAreKept() {
        for core in ["Haswell", "Zen", "SkylakeX", "COOPERLAKE", "SapphireRapids"] {
            #expect(BLASKernelChoice.coreTypeToRequest(currentCore: core, simdLevel: 2, userCoreType: nil) == nil)
        }
        // The user's variable wins, even when it names the generic kernel.
        #expect(
            BLASKernelChoice.coreTypeToRequest(currentCore: "Prescott", simdLevel: 2, userCoreType: "Prescott") == nil)
        // A CPU without AVX2+FMA has nothing better to offer.
        #expect(BLASKernelChoice.coreTypeToRequest(currentCore: "Prescott", simdLevel: 0, userCoreType: nil) == nil)
    }

    @Test func cpuLevelIsInRange() {
        #expect((0...2).contains(BLASKernelChoice.cpuSIMDLevel))
    }
}
