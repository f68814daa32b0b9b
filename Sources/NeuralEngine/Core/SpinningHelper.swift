import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A second thread that one op hands half of its work to (a single image's convolution, see `EngineThreads
/// .withSingleImageSplit`). Between jobs it spins for `spinWindowNanoseconds` instead of parking, so a hand-off is a
/// memory write: waking a parked thread means waking an idle CPU, which on a virtual machine takes longer than many of
/// the convolutions of one image. After that long without work it parks, and the next hand-off wakes it.
final class SpinningHelper: @unchecked Sendable {
    static let shared = SpinningHelper()

    /// How long the helper spins after a job before it parks: longer than the gaps between the convolutions of one
    /// image (the other ops run meanwhile), short enough that an idle process stops using the core at once.
    static let spinWindowNanoseconds: UInt64 = 2_000_000

    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let parked = Atomic<Bool>(false)
    /// Held by the caller whose job the helper has.
    private let busy = Atomic<Bool>(false)
    /// The job of the latest hand-off; written before `posted` is raised, read by the helper after it sees that.
    private var job: UncheckedSendable<() -> Void>?
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let started = Mutex(false)

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
    }

    /// Runs `helperPart` on the helper thread and `callerPart` on the calling thread at the same time; returns when
    /// both have finished. While another caller has the helper, both parts run on the calling thread.
    func run(_ helperPart: () -> Void, alongside callerPart: () -> Void) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            callerPart()
            helperPart()
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        startIfNeeded()
        withoutActuallyEscaping(helperPart) { helperPart in
            job = UncheckedSendable(helperPart)
            let number = posted.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
            if parked.load(ordering: .sequentiallyConsistent) {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(wake)
                pthread_mutex_unlock(mutex)
            }
            callerPart()
            while finished.load(ordering: .acquiring) != number {}
            job = nil
        }
    }

    private func startIfNeeded() {
        started.withLock { started in
            guard !started else { return }
            started = true
            pthread_detach(OwnThreads.start { self.loop() })
        }
    }

    private func loop() -> Never {
        var done = 0
        while true {
            var spins = 0
            var since = DispatchTime.now().uptimeNanoseconds
            while posted.load(ordering: .sequentiallyConsistent) == done {
                spins += 1
                guard spins & 1023 == 0 else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                guard now - since > Self.spinWindowNanoseconds else { continue }
                park(after: done)
                since = DispatchTime.now().uptimeNanoseconds
            }
            done += 1
            job!.value()
            finished.store(done, ordering: .releasing)
        }
    }

    /// Sleeps until a job after number `done` is posted.
    private func park(after done: Int) {
        pthread_mutex_lock(mutex)
        parked.store(true, ordering: .sequentiallyConsistent)
        while posted.load(ordering: .sequentiallyConsistent) == done { pthread_cond_wait(wake, mutex) }
        parked.store(false, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }
}
