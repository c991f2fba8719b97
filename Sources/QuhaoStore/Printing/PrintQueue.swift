import Foundation
import QuhaoCore

/// A hall's ticket slips on their way to its printer, kept in the database so that however many
/// daemons share it, one of them drives a site's printer: the one holding the lease
/// ``lease(site:)`` (renewed while it prints; another takes it over when it lapses). Any daemon
/// queues a slip; the holder prints the site's slips in the order they were queued, one at a time,
/// and records each outcome and the printer's state, which every daemon reads (the window's
/// printer line, the metrics). On one SQLite file there is one daemon, which holds every printer.
public struct PrintQueue: TicketStoreFacade {
    let tickets: TicketStore
}

extension TicketStore {
    public var printQueue: PrintQueue { PrintQueue(tickets: self) }
}

/// A slip waiting for its site's printer.
public struct PrintJob: Sendable, Hashable {
    public let id: Int64
    public let site: String
    /// The printer it is for, as configured when it was queued (`tcp://…` or a device path).
    public let target: String
    public let bytes: [UInt8]
    public let queuedAt: Date
}

/// What became of a queued slip, as recorded by the daemon that drove the printer.
public struct PrintJobResult: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// The printer took it.
        case printed
        /// The printer did not take it (``problemZH``/``problemEN`` say why).
        case failed
        /// Not printed: it waited longer than a slip is useful (nobody is at the kiosk any more).
        case expired
    }

    public let outcome: Outcome
    public let problemZH: String?
    public let problemEN: String?

    public init(outcome: Outcome, problemZH: String? = nil, problemEN: String? = nil) {
        self.outcome = outcome
        self.problemZH = problemZH
        self.problemEN = problemEN
    }
}

/// A site's printer as the database knows it once a slip has gone to it: how the last one went.
public struct PrinterRecord: Sendable, Hashable {
    public let site: String
    /// Whether the last slip went through.
    public let ok: Bool
    public let problemZH: String?
    public let problemEN: String?
    public let checkedAt: Date
    /// Slips printed, ever.
    public let printed: Int
}

extension PrintQueue {
    /// Queues a slip for the site's printer, unless `capacity` slips already wait for it (a
    /// printer failing for a while must not pile up a morning of slips to print at once).
    /// - Returns: The job's id, or `nil` when the site's queue is full.
    public func enqueue(site: String, target: String, bytes: [UInt8], capacity: Int) async throws -> Int64? {
        let now = clock.now()
        return try await guarded {
            try await writer.write { db -> Int64? in
                let waiting = try db.value(Int.self, "SELECT COUNT(*) FROM print_jobs WHERE site_id = ? AND outcome IS NULL", [site]) ?? 0
                guard waiting < capacity else { return nil }
                return try db.value(
                    Int64.self, "INSERT INTO print_jobs (site_id, target, bytes, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                    [site, target, Data(bytes), now])
            }
        }
    }

    /// The lease of a site's printer (``StoreOperations/hold(_:holder:for:)``): its holder drives it.
    public static func lease(site: String) -> String { "printer:\(site)" }

    /// The sites with slips waiting whose printer `holder` could take now (nobody holds it, its
    /// lease has run out, or `holder` has it): a look, so daemons not driving a printer only read.
    public func sitesWaiting(for holder: String) async throws -> [String] {
        let now = clock.now()
        return try await read { db in
            try db.values(
                String.self,
                """
                SELECT DISTINCT j.site_id FROM print_jobs j LEFT JOIN leases l ON l.name = 'printer:' || j.site_id
                WHERE j.outcome IS NULL AND (l.holder IS NULL OR l.holder = ? OR l.held_until < ?)
                ORDER BY j.site_id
                """, [holder, now])
        }
    }

    /// A site's waiting slips, oldest first.
    public func waiting(site: String, limit: Int) async throws -> [PrintJob] {
        try await read { db in
            try db.rows(
                "SELECT id, target, bytes, created_at FROM print_jobs WHERE site_id = ? AND outcome IS NULL ORDER BY id LIMIT ?", [site, limit]
            ).map { row in
                let bytes: Data = try row["bytes"]
                return PrintJob(id: try row["id"], site: site, target: try row["target"], bytes: [UInt8](bytes), queuedAt: try row["created_at"])
            }
        }
    }

    /// Records a slip's outcome, and (unless it expired unprinted) the printer's state, as
    /// `holder` drove it. A slip already settled (by a holder whose lease ran out meanwhile) keeps
    /// its first outcome.
    public func finish(_ job: PrintJob, holder: String, result: PrintJobResult) async throws {
        let now = clock.now()
        try await guarded {
            try await writer.write { db in
                let settled = try db.execute(
                    """
                    UPDATE print_jobs SET outcome = ?, problem_zh = ?, problem_en = ?, printed_by = ?, finished_at = ?
                    WHERE id = ? AND outcome IS NULL
                    """, [result.outcome.rawValue, result.problemZH, result.problemEN, holder, now, job.id])
                guard settled == 1, result.outcome != .expired else { return }
                let ok = result.outcome == .printed
                try db.execute(
                    """
                    INSERT INTO printers (site_id, ok, problem_zh, problem_en, checked_at, printed) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site_id) DO UPDATE SET ok = excluded.ok, problem_zh = excluded.problem_zh,
                        problem_en = excluded.problem_en, checked_at = excluded.checked_at, printed = printers.printed + excluded.printed
                    """, [job.site, ok, result.problemZH, result.problemEN, now, ok ? 1 : 0])
            }
        }
    }

    /// A queued slip's outcome (`nil`: still waiting, or no such job).
    public func result(of id: Int64) async throws -> PrintJobResult? {
        try await read { db in
            guard let row = try db.row("SELECT outcome, problem_zh, problem_en FROM print_jobs WHERE id = ?", [id]),
                let outcome = PrintJobResult.Outcome(rawValue: try row["outcome"] as String? ?? "")
            else { return nil }
            return PrintJobResult(outcome: outcome, problemZH: try row["problem_zh"], problemEN: try row["problem_en"])
        }
    }

    /// Every printer the database knows of, by site (the metrics).
    public func printers() async throws -> [String: PrinterRecord] {
        try await read { db in
            try db.rows("SELECT * FROM printers").reduce(into: [:]) { records, row in
                let record = try Self.record(row)
                records[record.site] = record
            }
        }
    }

    /// One site's printer as the database knows it (a window's console, on every poll).
    public func printer(site: String) async throws -> PrinterRecord? {
        try await read { db in try db.row("SELECT * FROM printers WHERE site_id = ?", [site]).map(Self.record) }
    }

    static func record(_ row: SQLRow) throws -> PrinterRecord {
        PrinterRecord(
            site: try row["site_id"], ok: try row["ok"], problemZH: try row["problem_zh"], problemEN: try row["problem_en"],
            checkedAt: try row["checked_at"], printed: try row["printed"])
    }

    /// Deletes the slips settled before `cutoff` (each holds a ticket's link: kept a day for
    /// whoever asks what became of a slip, not for ever).
    /// - Returns: How many were deleted.
    @discardableResult
    public func purge(settledBefore cutoff: Date) async throws -> Int {
        try await guarded {
            try await writer.write { db in
                try db.execute("DELETE FROM print_jobs WHERE outcome IS NOT NULL AND finished_at < ?", [cutoff])
            }
        }
    }
}
