import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Replicas of one model, each running part of a training batch on its own thread, that meet at every batch-norm
/// layer to add up their partial statistics (synchronised batch norm): the statistics, and so the step, are those of
/// the whole batch, as one graph computes them (up to the order of additions).
///
/// The replica count is the number of parts, not of cores: at most `threads` replicas compute at once (a replica
/// waiting at a barrier hands its turn to another), and every sum is added in rank order, so the results do not
/// depend on `threads`.
///
/// Why replicas and not threads inside each op: a training step of these small networks is hundreds of small GEMMs
/// and loops, which split across threads poorly (two threads gain little over one), while two halves
/// of the batch are independent except for the batch-norm sums.
public final class ReplicaGroup: @unchecked Sendable {
    public let count: Int
    /// Replicas computing at the same time; the others wait for a turn (`Turns`).
    public let threads: Int
    private let turns: Turns?
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private let broken = Atomic<Bool>(false)
    /// Per rank, two sets of exchange slots used alternately: a rank that runs ahead writes the other set, so it never
    /// overwrites values a slower rank is still reading (it cannot run two exchanges ahead: the barrier holds it).
    private let slots: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
    private let capacities: UnsafeMutablePointer<Int>
    /// Exchanges each rank has made in this run (its parity picks the slot set); each rank touches only its own.
    private let rounds: UnsafeMutablePointer<Int>

    /// Whether `run` sets OpenBLAS and the engine's loops to one thread while the replicas run (the fast setting;
    /// the count is process-wide, so a process doing other engine work at the same time may pass false).
    public let oneBLASThreadEach: Bool

    /// `threads`: how many replicas compute at once (nil: all of them).
    public init(count: Int, threads: Int? = nil, oneBLASThreadEach: Bool = true) {
        precondition(count >= 1, "a replica group needs at least one replica")
        self.count = count
        self.threads = min(max(threads ?? count, 1), count)
        turns = self.threads < count ? Turns(self.threads) : nil
        self.oneBLASThreadEach = oneBLASThreadEach
        slots = .allocate(capacity: 2 * count)
        capacities = .allocate(capacity: 2 * count)
        rounds = .allocate(capacity: count)
        rounds.initialize(repeating: 0, count: count)
        for i in 0..<(2 * count) {
            slots[i] = .allocate(capacity: 1)
            capacities[i] = 1
        }
    }

    deinit {
        for i in 0..<(2 * count) { slots[i].deallocate() }
        slots.deallocate()
        capacities.deallocate()
        rounds.deallocate()
    }

    /// Runs `body(rank)` for every rank, rank 0 on the calling thread and the others on threads of their own
    /// (not a shared pool: a replica blocks at the barrier until all have arrived, so all must be started), at most
    /// `threads` of them computing at a time.
    /// OpenBLAS and the engine's loops run on one thread meanwhile (see `oneBLASThreadEach`). If a rank
    /// throws, the others are released from their barriers (their batch norms throw `replicaAborted`) and the
    /// failing rank's error is rethrown.
    public func run(_ body: (Int) throws -> Void) throws {
        broken.store(false, ordering: .relaxed)
        arrived.store(0, ordering: .relaxed)
        turns?.reset()
        // An aborted run may have left ranks at different rounds.
        rounds.update(repeating: 0, count: count)
        let turns = self.turns
        // Replicas taking turns wake each other at every batch norm. Left free to run anywhere, the woken one is
        // started on an idle CPU, and waking an idle virtual CPU can take longer than the work between two batch
        // norms; kept on `threads` CPUs, the hand-over is a plain switch on the same CPU.
        let callerCPUs = turns == nil ? nil : ThreadAffinity.current()
        let sharedCPUs = callerCPUs?.nearest(threads)
        defer { if sharedCPUs != nil, let callerCPUs { ThreadAffinity.set(callerCPUs) } }
        func runAll() -> [Error?] {
            OwnThreads.collectingErrors(count, failed: abort) { rank in
                if let sharedCPUs { ThreadAffinity.set(sharedCPUs) }
                turns?.take()
                defer { turns?.give() }
                try body(rank)
            }
        }
        let errors = oneBLASThreadEach ? EngineThreads.withOneThreadEach(runAll) : runAll()
        // The cause, not the replicas that stopped because of it.
        let thrown = errors.compactMap { $0 }
        if let error = thrown.first(where: { !Self.isAbort($0) }) ?? thrown.first { throw error }
    }

    static func isAbort(_ error: Error) -> Bool {
        if case .replicaAborted = error as? EngineError { return true }
        return false
    }

    /// Releases every rank waiting at a barrier (their exchanges then report failure).
    func abort() {
        broken.store(true, ordering: .releasing)
        turns?.abort()
    }

    /// Waits until every rank has arrived. False when the group was aborted.
    func barrier() -> Bool {
        if let turns { return turns.barrier(count) }
        let gen = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == count {
            arrived.store(0, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            return !broken.load(ordering: .acquiring)
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == gen {
            if broken.load(ordering: .acquiring) { return false }
            // Spin briefly (the other half of the batch is usually microseconds behind), then give the core away.
            spins += 1
            if spins > 4_000 { sched_yield() }
        }
        return !broken.load(ordering: .acquiring)
    }

    /// Replaces `values[0..<n]` of rank `rank` with their sum over all ranks, added in rank order so every rank gets
    /// the same bits. False if the group was aborted.
    func allReduce(_ values: UnsafeMutablePointer<Double>, _ n: Int, rank: Int) -> Bool {
        let set = rounds[rank] & 1
        rounds[rank] += 1
        let mine = set * count + rank
        if capacities[mine] < n {
            slots[mine].deallocate()
            slots[mine] = .allocate(capacity: n)
            capacities[mine] = n
        }
        slots[mine].update(from: values, count: n)
        guard barrier() else { return false }
        values.update(from: slots[set * count], count: n)
        for r in 1..<max(count, 1) {
            let other = slots[set * count + r]
            for i in 0..<n { values[i] += other[i] }
        }
        return true
    }
}

/// Turns to compute for the replicas of a group with fewer threads than replicas, and their barrier: a replica takes
/// a turn to start, gives it up while it waits at a barrier (sleeping, not spinning: the replicas it waits for need
/// the core) and takes one again to continue. The last replica to arrive keeps its turn.
final class Turns: @unchecked Sendable {
    private let limit: Int
    private var free: Int
    private var arrived = 0
    private var generation = 0
    private var broken = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let turnFreed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let allArrived = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(_ limit: Int) {
        self.limit = limit
        free = limit
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(turnFreed, nil)
        pthread_cond_init(allArrived, nil)
    }

    deinit {
        pthread_cond_destroy(allArrived)
        pthread_cond_destroy(turnFreed)
        pthread_mutex_destroy(mutex)
        allArrived.deallocate()
        turnFreed.deallocate()
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    func reset() {
        locked {
            free = limit
            arrived = 0
            broken = false
        }
    }

    /// Waits for a turn (the mutex held).
    private func takeLocked() {
        while free == 0 { pthread_cond_wait(turnFreed, mutex) }
        free -= 1
    }

    func take() { locked { takeLocked() } }

    func give() {
        locked {
            free += 1
            pthread_cond_signal(turnFreed)
        }
    }

    func abort() {
        locked {
            broken = true
            pthread_cond_broadcast(allArrived)
        }
    }

    /// Waits until `count` replicas have arrived, holding no turn meanwhile. False when the group was aborted.
    func barrier(_ count: Int) -> Bool {
        locked {
            guard !broken else { return false }
            arrived += 1
            if arrived == count {
                arrived = 0
                generation &+= 1
                pthread_cond_broadcast(allArrived)
                return true
            }
            let gen = generation
            free += 1
            pthread_cond_signal(turnFreed)
            while generation == gen && !broken { pthread_cond_wait(allArrived, mutex) }
            takeLocked()
            return !broken
        }
    }
}

/// One replica of a `ReplicaGroup`: set as a graph's `replica`, it makes the graph's batch norms synchronise with
/// the other ranks and, for ranks above 0, gives the graph gradient buffers of its own (rank 0 adds into the
/// parameters' gradients; `addGradients(into:)` adds the others' in afterwards).
public final class Replica: @unchecked Sendable {
    public let group: ReplicaGroup
    public let rank: Int
    private var reduceBuffer = [Double]()
    private var localGradients: [ObjectIdentifier: Tensor] = [:]

    public init(group: ReplicaGroup, rank: Int) {
        precondition(rank >= 0 && rank < group.count, "rank \(rank) outside 0..<\(group.count)")
        self.group = group
        self.rank = rank
    }

    /// The buffer backward adds this rank's gradient of `p` into.
    func gradient(for p: Parameter) -> Tensor {
        if rank == 0 { return p.grad }
        if let g = localGradients[ObjectIdentifier(p)] { return g }
        let g = Tensor(zeros: p.shape)
        localGradients[ObjectIdentifier(p)] = g
        return g
    }

    func zeroLocalGradients() { for g in localGradients.values { g.fill(0) } }

    /// Adds this rank's gradients into the parameters' own (call after every rank has finished backward).
    public func addGradients(into parameters: [Parameter]) {
        guard rank > 0 else { return }
        for p in parameters {
            guard let g = localGradients[ObjectIdentifier(p)] else { continue }
            ElementwiseKernels.add(g.data, into: p.grad.data, count: g.count)
        }
    }

    /// Sums `n` doubles across the ranks in place, through a buffer `fill` writes. False if the group was aborted.
    func allReduce(
        _ n: Int, _ fill: (UnsafeMutablePointer<Double>) -> Void,
        _ read: (UnsafePointer<Double>) -> Void
    ) -> Bool {
        if reduceBuffer.count < n { reduceBuffer = [Double](repeating: 0, count: n) }
        return reduceBuffer.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress!
            fill(p)
            guard group.allReduce(p, n, rank: rank) else { return false }
            read(p)
            return true
        }
    }
}

/// Threads of their own for work that must run simultaneously (see `ReplicaGroup.run`).
enum OwnThreads {
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// `run` for throwing work: each part's error (nil when it succeeded); `failed` runs on the failing part's thread
    /// right after its error (e.g. to release parts waiting for it).
    static func collectingErrors(_ count: Int, failed: () -> Void = {}, _ body: (Int) throws -> Void) -> [Error?] {
        var errors = [Error?](repeating: nil, count: count)
        errors.withUnsafeMutableBufferPointer { slots in
            let slots = UncheckedSendable(slots)
            withoutActuallyEscaping(body) { body in
                withoutActuallyEscaping(failed) { failed in
                    let job = UncheckedSendable(body)
                    let onFailure = UncheckedSendable(failed)
                    // Each part writes its own error slot.
                    run(count) { i in
                        do { try job.value(i) } catch {
                            slots.value[i] = error
                            onFailure.value()
                        }
                    }
                }
            }
        }
        return errors
    }

    /// Runs `body(i)` for i in 0..<count: i = 0 on the calling thread, the others on new threads; returns when all end.
    static func run(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            var threads: [pthread_t] = []
            for i in 1..<max(count, 1) { threads.append(start { work.value(i) }) }
            body(0)
            for thread in threads { pthread_join(thread, nil) }
        }
    }

    /// Starts a thread of its own running `body`; join or detach it.
    static func start(_ body: @escaping () -> Void) -> pthread_t {
        let job = Unmanaged.passRetained(Job(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, job)
        precondition(status == 0, "pthread_create failed with \(status)")
        return thread
    }
}
