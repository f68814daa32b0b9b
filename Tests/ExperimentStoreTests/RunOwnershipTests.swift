import ExperimentRecords
import Foundation
import Testing

@testable import ExperimentStore

/// One writer per run: when a run's recorded process counts as alive, and the claim that records a new writer.
@Suite struct RunOwnershipTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let me = RunOwner(pid: 100, host: "here")

    func run(
        pid: Int32 = 200, host: String = "here", heartbeatAge: TimeInterval = 5, status: RunStatus = .running
    )
        -> RunRecord
    {
        var r = sampleRun(status: status, createdAt: now.addingTimeInterval(-3600))
        r.id = 7
        r.ownerPID = pid
        r.ownerHost = host
        r.heartbeatAt = now.addingTimeInterval(-heartbeatAge)
        return r
    }

    func live(_ r: RunRecord, alive: Bool = true) -> LiveRunOwner? {
        RunLiveness.liveOwner(of: r, staleAfter: 60, now: now, me: me, processExists: { _ in alive })
    }

    @Test func aRunningProcessOnThisHostWithAFreshHeartbeatIsLive() throws {
        let owner = try #require(live(run()))
        #expect(owner.owner == RunOwner(pid: 200, host: "here") && owner.heartbeatAge == 5)
        #expect(owner.description.contains("process 200 on host here") && owner.description.contains("5 s ago"))
    }

    @Test func aProcessGoneFromThisHostIsNotLiveAtOnce() {
        #expect(live(run(heartbeatAge: 1), alive: false) == nil)
    }

    @Test func aStaleHeartbeatIsNotLiveEvenIfThePidExists() {
        // The pid may since belong to another program.
        #expect(live(run(heartbeatAge: 61)) == nil)
    }

    @Test func anotherHostCountsByItsHeartbeatAlone() {
        #expect(live(run(host: "there"), alive: false) != nil)
        #expect(live(run(host: "there", heartbeatAge: 61)) == nil)
    }

    @Test func finishedInterruptedUnownedAndOwnRunsAreNotLive() {
        #expect(live(run(status: .interrupted)) == nil)
        #expect(live(run(status: .finished)) == nil)
        var unowned = run()
        unowned.ownerPID = nil
        #expect(live(unowned) == nil)
        #expect(live(run(pid: 100)) == nil)
    }

    @Test func aClaimIsRefusedWhileAnotherHostWritesAndForceTakesOver() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try ExperimentStore(path: dir.file("s.sqlite"))
        let id = try store.createRun(sampleRun(status: .interrupted))
        let elsewhere = RunOwner(pid: 4242, host: "another-host-\(UUID())")
        try store.claimRun(id: id, owner: elsewhere)
        let claimed = try #require(try store.storedRun(id: id))
        #expect(claimed.status == .running && claimed.ownerPID == 4242 && claimed.ownerHost == elsewhere.host)

        #expect(throws: RunInUseError.self) { try store.claimRun(id: id) }
        #expect(throws: RunInUseError.self) { try store.requireNoLiveOwner(id: id, force: false, action: "delete it") }
        try store.requireNoLiveOwner(id: id, force: true, action: "delete it")
        try store.claimRun(id: id, force: true)
        #expect(try store.storedRun(id: id)?.ownerPID == getpid())
        #expect(throws: StoreError.self) { try store.claimRun(id: id + 1) }
    }
}
