import Dispatch

/// The batches of one epoch from a starting index; iterate it once per epoch.
public struct EpochBatches: Sequence, Sendable {
    let loader: BatchLoader
    let epoch: Int
    let startIndex: Int
    let prefetch: Bool

    /// Starts iterating (and, with prefetch, starts assembling the first batch in the background).
    public func makeIterator() -> EpochBatchIterator {
        EpochBatchIterator(loader: loader, epoch: epoch, startIndex: startIndex, prefetch: prefetch)
    }
}

/// Yields one epoch's batches in order; with prefetch, batch i+1 is being assembled on a background queue while the
/// caller works on batch i (double buffering). A class so that copies cannot wait twice on the same pending batch.
public final class EpochBatchIterator: IteratorProtocol {
    private let loader: BatchLoader
    private let epoch: Int
    private let order: [Int]
    private var nextIndex: Int
    private let queue: DispatchQueue?
    private var pending: PendingBatch?

    init(loader: BatchLoader, epoch: Int, startIndex: Int, prefetch: Bool) {
        self.loader = loader
        self.epoch = epoch
        self.order = loader.order(epoch: epoch)
        self.nextIndex = startIndex
        self.queue = prefetch ? DispatchQueue(label: "ranet.datasets.prefetch", qos: .userInitiated) : nil
        schedule(index: startIndex)
    }

    /// The next batch, or nil after the epoch's last batch.
    public func next() -> Batch? {
        guard nextIndex < loader.batchesPerEpoch else { return nil }
        let index = nextIndex
        nextIndex += 1
        let current = pending?.wait() ?? loader.batch(epoch: epoch, index: index, order: order)
        pending = nil
        schedule(index: nextIndex)
        return current
    }

    /// Starts assembling batch `index` in the background (prefetch on and the index inside the epoch).
    private func schedule(index: Int) {
        guard let queue, index < loader.batchesPerEpoch else { return }
        let slot = PendingBatch()
        let loader = loader
        let epoch = epoch
        let order = order
        queue.async { slot.fulfil(loader.batch(epoch: epoch, index: index, order: order)) }
        pending = slot
    }
}

/// A batch being assembled on another thread. `@unchecked Sendable` is sound because `value` is written exactly
/// once before `ready.signal()` and read only after `ready.wait()`, and the semaphore orders the two.
private final class PendingBatch: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var value: Batch?

    func fulfil(_ batch: Batch) {
        value = batch
        ready.signal()
    }

    func wait() -> Batch? {
        ready.wait()
        return value
    }
}
