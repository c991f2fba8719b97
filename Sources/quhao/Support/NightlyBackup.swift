import Foundation
import Logging
import QuhaoConfig
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import ServiceLifecycle

/// The daemon's own nightly backup (`backups:` in the configuration): at the configured time in
/// the site's zone, an online backup into the folder (``StoreOperations/backup(to:)``: checked, never
/// half-written), then the oldest beyond `keep` are deleted. A backup missed while the daemon was
/// down (or a failed one) is made at start. Each outcome is logged; the last success is kept in
/// the database (and shown in `/metrics`), failures are counted.
struct NightlyBackup: ServiceLifecycle.Service {
    let schedule: BackupSchedule
    let store: TicketStore
    let clock: any QuhaoClock
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        let last = try? await store.operations.last(StoreOperations.nightlyBackupOperation)
        var failures = 0
        if schedule.isDue(lastSuccess: last?.at, now: clock.now()) {
            failures = await backUp() ? 0 : 1
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now()
            // After a failure, another try in ten minutes (at most six), else the next night.
            let next = failures > 0 && failures <= 6 ? now.addingTimeInterval(600) : schedule.next(after: now)
            let wait = Duration.milliseconds(Int64(max(0, next.timeIntervalSince(now)) * 1000) + 5)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            failures = await backUp() ? 0 : failures + 1
        }
    }

    /// Makes one backup and prunes; `false` when it failed (logged and counted).
    func backUp() async -> Bool {
        let now = clock.now()
        let path = URL(fileURLWithPath: schedule.directory).appendingPathComponent(schedule.fileName(at: now)).path
        do {
            let report = try await store.operations.backup(to: path)
            try await store.operations.record(StoreOperations.nightlyBackupOperation, detail: path)
            logger.info("nightly backup made", metadata: ["file": "\(path)", "bytes": "\(report.bytes)", "tickets": "\(report.tickets)"])
        } catch {
            metrics.backupFailed()
            logger.error("nightly backup failed", metadata: ["file": "\(path)", "error": "\(error)"])
            return false
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: schedule.directory)) ?? []
        for name in schedule.surplus(among: names) {
            let old = URL(fileURLWithPath: schedule.directory).appendingPathComponent(name).path
            do {
                try FileManager.default.removeItem(atPath: old)
                logger.info("old backup deleted", metadata: ["file": "\(old)", "keep": "\(schedule.keep)"])
            } catch {
                logger.warning("cannot delete an old backup", metadata: ["file": "\(old)", "error": "\(error)"])
            }
        }
        return true
    }
}
