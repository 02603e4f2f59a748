import Dispatch
import SQLiteReplica
import SyncCore
import Synchronization

/// Inflates and decodes the envelopes of an upload on another thread, in order, while the replica's writer applies the
/// sets already decoded: the writer asks for set `i` with ``set(_:)`` and waits only if its decoding has not finished.
/// A set that came deflated keeps its deflated bytes (``ChangeSet/deflatedEnvelope``), which the replica stores.
///
/// Decoding (hashing each body for its id, then reading every operation) was a tenth of an upload's time at the
/// hub, spent before the first set could be applied (docs/BENCHMARKS.md, "Fourth pass"). It now overlaps the
/// apply. One thread decodes: it is about three times faster than the writer applies, so it stays ahead, and a
/// second one would only take a core from the writer (and from a county sealing its next batch) on a small
/// machine.
///
/// Each set is then prepared on the same thread (`Replica.prepare`): put in the order it is applied, and its
/// operations checked against the schema and the scope of the author the caller expects, which leaves the writer
/// less to do per set (docs/BENCHMARKS.md, "Seventh pass").
final class DecodePipeline: Sendable {
    private let envelopes: [StoredEnvelope]
    private let prepare: @Sendable (ChangeSet) -> PreparedSet
    private let results: Mutex<[Result<PreparedSet, SyncError>?]>
    private let ready: [DispatchSemaphore]

    /// Starts decoding and preparing `envelopes` in the background.
    init(_ envelopes: [StoredEnvelope], prepare: @escaping @Sendable (ChangeSet) -> PreparedSet) {
        self.envelopes = envelopes
        self.prepare = prepare
        results = Mutex(Array(repeating: nil, count: envelopes.count))
        ready = envelopes.map { _ in DispatchSemaphore(value: 0) }
        if !envelopes.isEmpty {
            DispatchQueue.global(qos: .userInitiated).async { [self] in work() }
        }
    }

    var count: Int { envelopes.count }

    /// Set `i`, or its decoding error; waits until it is decoded and prepared.
    func set(_ i: Int) -> Result<PreparedSet, SyncError> {
        ready[i].wait()
        // Signalled again so that a second call for the same index does not wait forever.
        defer { ready[i].signal() }
        return results.withLock { $0[i]! }
    }

    /// Decodes the envelopes in order, so that the writer's next set is always the one decoded first.
    private func work() {
        for (i, envelope) in envelopes.enumerated() {
            let result = Result { () throws(SyncError) in prepare(try envelope.changeSet()) }
            results.withLock { $0[i] = result }
            ready[i].signal()
        }
    }
}
