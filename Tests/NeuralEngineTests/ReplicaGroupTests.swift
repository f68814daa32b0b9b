import Synchronization
import Testing

@testable import NeuralEngine

@Suite struct ReplicaGroupTests {
    struct Failure: Error {}

    /// All ranks at once, or fewer threads taking turns (a rank waiting at a barrier gives its turn away).
    @Test(arguments: [nil, 1, 2])
    func everyRankGetsTheSameSumsOverManyRounds(threads: Int?) throws {
        let group = ReplicaGroup(count: 3, threads: threads, oneBLASThreadEach: false)
        let replicas = (0..<3).map { Replica(group: group, rank: $0) }
        var results = [[Double]](repeating: [], count: 3)
        try results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            try group.run { rank in
                var seen: [Double] = []
                // Sizes change between rounds, so slots grow while other ranks read the previous round's.
                for round in 0..<500 {
                    let n = 1 + (round * 7) % 33
                    _ = replicas[rank].allReduce(
                        n, { for i in 0..<n { $0[i] = Double(rank * 1000 + round + i) } },
                        { seen.append($0[n - 1]) })
                }
                slots[rank] = seen
            }
        }
        #expect(results[0] == results[1] && results[1] == results[2])
        let expected = (0..<500).map { round -> Double in
            let n = 1 + (round * 7) % 33
            return Double((0..<3).map { $0 * 1000 + round + n - 1 }.reduce(0, +))
        }
        #expect(results[0] == expected)
    }

    @Test func atMostThreadsRanksComputeAtOnce() throws {
        let group = ReplicaGroup(count: 5, threads: 2, oneBLASThreadEach: false)
        let replicas = (0..<5).map { Replica(group: group, rank: $0) }
        let computing = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        try group.run { rank in
            for _ in 0..<50 {
                let now = computing.wrappingAdd(1, ordering: .relaxed).newValue
                most.max(now, ordering: .relaxed)
                for _ in 0..<2_000 { _ = computing.load(ordering: .relaxed) }
                computing.wrappingSubtract(1, ordering: .relaxed)
                _ = replicas[rank].allReduce(1, { $0[0] = 1 }, { #expect($0[0] == 5) })
            }
        }
        #expect(most.load(ordering: .relaxed) <= 2)
    }

    @Test(arguments: [nil, 1])
    func aFailingRankReleasesTheOthersAndItsErrorIsRethrown(threads: Int?) {
        let group = ReplicaGroup(count: 2, threads: threads, oneBLASThreadEach: false)
        let replicas = (0..<2).map { Replica(group: group, rank: $0) }
        #expect(throws: Failure.self) {
            try group.run { rank in
                if rank == 1 { throw Failure() }
                // Rank 1 never arrives: the exchange must report failure instead of waiting for ever.
                let ok = replicas[0].allReduce(1, { $0[0] = 1 }, { _ in })
                #expect(!ok)
            }
        }
        // Ranks that stopped because another failed do not hide the cause, whatever their rank.
        #expect(throws: Failure.self) {
            try group.run { rank in
                if rank == 1 { throw Failure() }
                if !replicas[0].allReduce(1, { $0[0] = 1 }, { _ in }) { throw EngineError.replicaAborted(op: "test") }
            }
        }
        // The group is usable again afterwards.
        #expect(throws: Never.self) {
            try group.run { rank in _ = replicas[rank].allReduce(1, { $0[0] = 1 }, { #expect($0[0] == 2) }) }
        }
    }

    @Test func ranksTakingTurnsShareTheThreadsCPUsAndTheCallerGetsItsOwnBack() throws {
        let before = try #require(ThreadAffinity.current(), "the thread's CPUs cannot be read here")
        let group = ReplicaGroup(count: 3, threads: 1, oneBLASThreadEach: false)
        let seen = Mutex([CPUSet?](repeating: nil, count: 3))
        try group.run { rank in
            let mine = ThreadAffinity.current()
            seen.withLock { $0[rank] = mine }
        }
        #expect(ThreadAffinity.current() == before)
        let masks = seen.withLock { $0 }
        if before.cpus.count > 1 {
            #expect(masks.allSatisfy { $0 == masks[0] && $0?.cpus.count == 1 })
            let shared = Set(masks[0]?.cpus ?? [-1])
            #expect(shared.isSubset(of: Set(before.cpus)))
        } else {
            #expect(masks.allSatisfy { $0 == before })
        }
    }

    @Test func ranksComputingAtOnceKeepTheirCPUs() throws {
        let before = try #require(ThreadAffinity.current(), "the thread's CPUs cannot be read here")
        let group = ReplicaGroup(count: 2, oneBLASThreadEach: false)
        let seen = Mutex([CPUSet?](repeating: nil, count: 2))
        try group.run { rank in
            let mine = ThreadAffinity.current()
            seen.withLock { $0[rank] = mine }
        }
        #expect(seen.withLock { $0 } == [before, before])
    }

    @Test func theNearestCPUsAreAllowedOnesAndOnlyWhenFewerThanAllowed() throws {
        let current = try #require(ThreadAffinity.current(), "the thread's CPUs cannot be read here")
        let allowed = current.cpus
        #expect(current.nearest(allowed.count) == nil)
        for count in 1..<allowed.count {
            let chosen = try #require(current.nearest(count)).cpus
            let isAllowed = Set(chosen).isSubset(of: Set(allowed))
            #expect(chosen.count == count && isAllowed)
        }
        #expect(CPUSet(cpus: [0, 3, 64, 130]).cpus == [0, 3, 64, 130])
    }
}
