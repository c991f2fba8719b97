import GRDB

/// The schema, as named migrations. Append new ones at the end; never edit one that shipped.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-25 sites, counters, tickets, events", migrate: v1)
        migrator.registerMigration("2026-11-25b devices and ratings", migrate: v2)
        migrator.registerMigration("2026-11-25c staff accounts", migrate: v3)
        migrator.registerMigration("2026-11-25d sessions", migrate: v4)
        migrator.registerMigration("2026-11-25e api tokens", migrate: v5)
        migrator.registerMigration("2026-11-25f open tickets index", migrate: v6)
        migrator.registerMigration("2026-11-25g board rebuild indexes", migrate: v7)
        migrator.registerMigration("2026-11-25h housekeeping reads only what expires", migrate: v8)
        migrator.registerMigration("2026-11-30a the day's end closes tickets in service too", migrate: v9)
        migrator.registerMigration("2026-11-30b canteen inspections", migrate: v10)
        migrator.registerMigration("2026-11-30c operations", migrate: v11)
        migrator.registerMigration("2026-11-30d webhook outbox", migrate: v12)
        migrator.registerMigration("2026-11-30e report rollup", migrate: v13)
        migrator.registerMigration("2026-11-30f personal data retention", migrate: v14)
        migrator.registerMigration("2026-12-01a bookings", migrate: v15)
        migrator.registerMigration("2026-12-02a one self-inspection per form sent", migrate: v16)
        migrator.registerMigration("2026-12-02b transfers in the figures", migrate: v17)
        migrator.registerMigration("2026-12-03a leases, print jobs, who delivered a webhook", migrate: v18)
        migrator.registerMigration("2026-12-03b an office's daily tools", migrate: v19)
        migrator.registerMigration("2026-12-03c a plan's draw made public, a check-out unsigned", migrate: v20)
        migrator.registerMigration("2026-12-04a messages to visitors", migrate: v21)
        migrator.registerMigration("2026-12-05a why a message is being retried", migrate: v22)
        return migrator
    }

    static func v1(_ db: Database) throws {
        // A site's definition (from the configuration) is kept as JSON so that every command
        // reads the rules it runs under inside its own transaction, in every process.
        try db.execute(
            sql: """
                CREATE TABLE sites (
                    id TEXT PRIMARY KEY NOT NULL,
                    definition TEXT NOT NULL,
                    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    synced_at TEXT NOT NULL
                ) STRICT;

                CREATE TABLE counter_states (
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    counter_id INTEGER NOT NULL,
                    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
                    priority_streak INTEGER NOT NULL DEFAULT 0 CHECK (priority_streak >= 0),
                    PRIMARY KEY (site_id, counter_id)
                ) STRICT;

                CREATE TABLE tickets (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    token TEXT NOT NULL UNIQUE,
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    day TEXT NOT NULL,
                    origin_service_id TEXT NOT NULL,
                    seq INTEGER NOT NULL CHECK (seq > 0),
                    number TEXT NOT NULL,
                    service_id TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN
                        ('remote', 'waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'expired')),
                    priority TEXT NOT NULL CHECK (priority IN ('green', 'appointment', 'normal')),
                    appointment_start TEXT,
                    appointment_end TEXT,
                    channel TEXT NOT NULL,
                    sort_key INTEGER NOT NULL,
                    counter_id INTEGER,
                    recall_count INTEGER NOT NULL DEFAULT 0,
                    transfer_count INTEGER NOT NULL DEFAULT 0,
                    reactivated INTEGER NOT NULL DEFAULT 0 CHECK (reactivated IN (0, 1)),
                    identity_kind TEXT,
                    identity_hash TEXT,
                    identity_masked TEXT,
                    phone_masked TEXT,
                    issued_at TEXT NOT NULL,
                    checked_in_at TEXT,
                    called_at TEXT,
                    started_at TEXT,
                    finished_at TEXT,
                    UNIQUE (site_id, day, origin_service_id, seq),
                    CHECK (state NOT IN ('called', 'serving') OR counter_id IS NOT NULL)
                ) STRICT;

                -- Call-next looks up the head of each class among a counter's services.
                CREATE INDEX tickets_queue ON tickets (site_id, day, state, service_id, priority, sort_key);
                CREATE INDEX tickets_order ON tickets (site_id, day, sort_key);
                CREATE INDEX tickets_number ON tickets (site_id, day, number);
                CREATE INDEX tickets_identity ON tickets (site_id, day, origin_service_id, identity_hash)
                    WHERE identity_hash IS NOT NULL;
                -- A window holds at most one called or serving ticket: the schema itself says so.
                CREATE UNIQUE INDEX tickets_one_per_counter ON tickets (site_id, counter_id)
                    WHERE state IN ('called', 'serving');

                CREATE TABLE ticket_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
                    site_id TEXT NOT NULL,
                    at TEXT NOT NULL,
                    action TEXT NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    counter_id INTEGER,
                    service_id TEXT NOT NULL,
                    initiator TEXT NOT NULL,
                    detail TEXT
                ) STRICT;
                CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id);
                CREATE INDEX ticket_events_site ON ticket_events (site_id, at);

                CREATE TABLE counter_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    counter_id INTEGER NOT NULL,
                    at TEXT NOT NULL,
                    action TEXT NOT NULL CHECK (action IN ('pause', 'resume')),
                    initiator TEXT NOT NULL
                ) STRICT;

                -- The logs are append-only.
                CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
                    BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
                CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
                    BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
                CREATE TRIGGER counter_events_no_update BEFORE UPDATE ON counter_events
                    BEGIN SELECT RAISE(ABORT, 'counter_events is append-only'); END;
                CREATE TRIGGER counter_events_no_delete BEFORE DELETE ON counter_events
                    BEGIN SELECT RAISE(ABORT, 'counter_events is append-only'); END;

                CREATE TABLE secrets (
                    name TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL
                ) STRICT;
                """)
    }

    /// One active ticket per phone per site (a device cookie, stored hashed); the visitor's rating.
    static func v2(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE tickets ADD COLUMN device_hash TEXT;
                CREATE INDEX tickets_device ON tickets (site_id, device_hash) WHERE device_hash IS NOT NULL;

                CREATE TABLE ratings (
                    ticket_id INTEGER PRIMARY KEY NOT NULL REFERENCES tickets(id),
                    site_id TEXT NOT NULL,
                    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
                    counter_id INTEGER,
                    staff TEXT,
                    at TEXT NOT NULL
                ) STRICT;
                CREATE INDEX ratings_site ON ratings (site_id, at);
                """)
    }

    /// Staff accounts: passwords only as bcrypt hashes.
    static func v3(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE staff (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'inspector')),
                    site_id TEXT,
                    counters TEXT NOT NULL DEFAULT '',
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
                    created_at TEXT NOT NULL,
                    password_changed_at TEXT NOT NULL,
                    CHECK (role = 'admin' OR site_id IS NOT NULL)
                ) STRICT;

                CREATE TABLE staff_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    staff_id INTEGER NOT NULL REFERENCES staff(id),
                    at TEXT NOT NULL,
                    action TEXT NOT NULL,
                    initiator TEXT NOT NULL
                ) STRICT;
                CREATE TRIGGER staff_events_no_update BEFORE UPDATE ON staff_events
                    BEGIN SELECT RAISE(ABORT, 'staff_events is append-only'); END;
                CREATE TRIGGER staff_events_no_delete BEFORE DELETE ON staff_events
                    BEGIN SELECT RAISE(ABORT, 'staff_events is append-only'); END;
                """)
    }

    /// Staff sessions: the cookie's token exists here only as a SHA-256 hash.
    static func v4(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    staff_id INTEGER NOT NULL REFERENCES staff(id),
                    created_at TEXT NOT NULL,
                    last_seen_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                ) STRICT;
                CREATE INDEX sessions_staff ON sessions (staff_id);
                """)
    }

    /// Bearer tokens for integrations: like sessions, only their SHA-256 hash is kept.
    static func v5(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE api_tokens (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    token_hash TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'inspector')),
                    site_id TEXT,
                    counters TEXT NOT NULL DEFAULT '',
                    created_at TEXT NOT NULL,
                    expires_at TEXT,
                    revoked_at TEXT,
                    last_used_at TEXT,
                    CHECK (role = 'admin' OR site_id IS NOT NULL)
                ) STRICT;
                """)
    }

    /// Housekeeping looks for tickets still open on any day; without this it read every ticket
    /// the site ever had, once a minute.
    static func v6(_ db: Database) throws {
        try db.execute(
            sql: "CREATE INDEX tickets_open ON tickets (site_id, state) WHERE state IN ('remote', 'waiting', 'called')")
    }

    /// What every board rebuild asks for, without walking the day: the latest service times of a
    /// service (the wait estimate), the latest calls of a window.
    static func v7(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX tickets_done ON tickets (site_id, day, service_id, finished_at) WHERE state = 'done';
                CREATE INDEX events_calls ON ticket_events (site_id, counter_id, at) WHERE action IN ('call', 'recall');
                """)
    }

    /// Housekeeping asks for the open tickets of earlier days, and of today's closed services;
    /// `tickets_open` (site, state) made it read every open ticket of the site, once a minute,
    /// in a write transaction.
    static func v8(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX tickets_open;
                CREATE INDEX tickets_open ON tickets (site_id, day) WHERE state IN ('remote', 'waiting', 'called');
                """)
    }

    /// The day's end completes tickets still in service (they used to stay `serving` for ever,
    /// holding their window), so the index of what a day leaves open covers them too.
    static func v9(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX tickets_open;
                CREATE INDEX tickets_open ON tickets (site_id, day) WHERE state IN ('remote', 'waiting', 'called', 'serving');
                """)
    }

    /// Canteen inspections: the units under supervision, the checklist versions, inspections
    /// with their item results, findings and their rectification, and uploaded evidence.
    ///
    /// An inspection requested through the queue follows its ticket: a trigger moves the
    /// inspection's status in the same statement as the ticket's state (whoever moved it: the
    /// inspector's page, a staff console, the day's end), so the two never disagree.
    static func v10(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE units (
                    id INTEGER PRIMARY KEY,
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    name TEXT NOT NULL,
                    uscc TEXT NOT NULL,
                    licence TEXT NOT NULL,
                    address TEXT NOT NULL,
                    type TEXT NOT NULL,
                    risk TEXT NOT NULL CHECK (risk IN ('A', 'B', 'C', 'D')),
                    contact_name TEXT NOT NULL DEFAULT '',
                    contact_phone TEXT NOT NULL,
                    kitchen_mode TEXT NOT NULL,
                    camera_url TEXT,
                    active INTEGER NOT NULL DEFAULT 1,
                    poster_version INTEGER NOT NULL DEFAULT 1,
                    private_version INTEGER NOT NULL DEFAULT 1,
                    poster_token TEXT NOT NULL UNIQUE,
                    private_token TEXT NOT NULL UNIQUE,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    UNIQUE (site_id, uscc)
                );
                CREATE TABLE unit_events (
                    id INTEGER PRIMARY KEY,
                    unit_id INTEGER NOT NULL REFERENCES units(id),
                    at REAL NOT NULL,
                    action TEXT NOT NULL,
                    initiator TEXT NOT NULL,
                    detail TEXT
                );
                CREATE INDEX unit_events_unit ON unit_events (unit_id);
                CREATE TRIGGER unit_events_no_update BEFORE UPDATE ON unit_events
                    BEGIN SELECT RAISE(ABORT, 'unit_events is append-only'); END;
                CREATE TRIGGER unit_events_no_delete BEFORE DELETE ON unit_events
                    BEGIN SELECT RAISE(ABORT, 'unit_events is append-only'); END;

                CREATE TABLE checklists (
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    version INTEGER NOT NULL,
                    items TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (site_id, version)
                );

                CREATE TABLE inspections (
                    id INTEGER PRIMARY KEY,
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    unit_id INTEGER NOT NULL REFERENCES units(id),
                    kind TEXT NOT NULL CHECK (kind IN ('routine', 'special', 'reinspection', 'self')),
                    mode TEXT CHECK (mode IN ('on_site', 'remote_video', 'self')),
                    status TEXT NOT NULL CHECK (status IN ('requested', 'called', 'in_progress', 'recorded', 'closed', 'cancelled')),
                    ticket_id INTEGER UNIQUE REFERENCES tickets(id),
                    counter_id INTEGER,
                    requested_at REAL NOT NULL,
                    called_by TEXT,
                    checked_in_at REAL,
                    checked_in_by TEXT,
                    check_in_proof TEXT CHECK (check_in_proof IN ('poster_token', 'rotating_code')),
                    checked_out_at REAL,
                    checklist_version INTEGER,
                    result TEXT CHECK (result IN ('compliant', 'basically_compliant', 'non_compliant')),
                    summary TEXT,
                    recorded_at REAL,
                    recorded_by TEXT
                );
                CREATE INDEX inspections_unit ON inspections (unit_id, requested_at);
                CREATE INDEX inspections_site ON inspections (site_id, recorded_at);
                -- One request under way per unit (self-inspections aside).
                CREATE UNIQUE INDEX inspections_one_open ON inspections (unit_id)
                    WHERE kind != 'self' AND status IN ('requested', 'called', 'in_progress', 'recorded');

                CREATE TRIGGER inspections_follow_ticket AFTER UPDATE OF state, counter_id ON tickets
                BEGIN
                    UPDATE inspections SET
                        counter_id = COALESCE(NEW.counter_id, counter_id),
                        status = CASE NEW.state
                            WHEN 'remote' THEN 'requested'
                            WHEN 'waiting' THEN 'requested'
                            -- Left for another day: still requested (carried into the next day's queue).
                            WHEN 'expired' THEN 'requested'
                            WHEN 'called' THEN 'called'
                            WHEN 'serving' THEN CASE WHEN status = 'recorded' THEN 'recorded' ELSE 'in_progress' END
                            -- Done (checked out, or closed by the day's end): closed once results are in.
                            WHEN 'done' THEN CASE WHEN status = 'recorded' THEN 'closed' ELSE status END
                            ELSE 'cancelled'
                        END
                    WHERE ticket_id = NEW.id AND status NOT IN ('closed', 'cancelled');
                END;

                CREATE TABLE item_results (
                    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
                    item_code TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('yes', 'no', 'na', 'not_observed')),
                    note TEXT,
                    PRIMARY KEY (inspection_id, item_code)
                );

                CREATE TABLE findings (
                    id INTEGER PRIMARY KEY,
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
                    unit_id INTEGER NOT NULL REFERENCES units(id),
                    item_code TEXT NOT NULL,
                    severity TEXT NOT NULL CHECK (severity IN ('key', 'general')),
                    description TEXT NOT NULL,
                    corrected_on_site INTEGER NOT NULL DEFAULT 0,
                    due_day TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('open', 'rectification_submitted', 'verified')),
                    created_at REAL NOT NULL,
                    response TEXT,
                    responded_at REAL,
                    rejection_reason TEXT,
                    verified_at REAL,
                    verified_by TEXT,
                    closed_by_inspection_id INTEGER REFERENCES inspections(id),
                    UNIQUE (inspection_id, item_code)
                );
                CREATE INDEX findings_unit ON findings (unit_id, state);
                CREATE INDEX findings_site ON findings (site_id, created_at);

                CREATE TABLE finding_events (
                    id INTEGER PRIMARY KEY,
                    finding_id INTEGER NOT NULL REFERENCES findings(id),
                    at REAL NOT NULL,
                    action TEXT NOT NULL CHECK (action IN ('create', 'submit', 'reject', 'verify', 'close')),
                    initiator TEXT NOT NULL,
                    text TEXT
                );
                CREATE INDEX finding_events_finding ON finding_events (finding_id);
                CREATE TRIGGER finding_events_no_update BEFORE UPDATE ON finding_events
                    BEGIN SELECT RAISE(ABORT, 'finding_events is append-only'); END;
                CREATE TRIGGER finding_events_no_delete BEFORE DELETE ON finding_events
                    BEGIN SELECT RAISE(ABORT, 'finding_events is append-only'); END;

                -- Uploaded photos, stored on disk by their SHA-256; rows hold the hash.
                CREATE TABLE evidence (
                    sha256 TEXT PRIMARY KEY,
                    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
                    size INTEGER NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE finding_evidence (
                    finding_event_id INTEGER NOT NULL REFERENCES finding_events(id),
                    sha256 TEXT NOT NULL REFERENCES evidence(sha256),
                    PRIMARY KEY (finding_event_id, sha256)
                );
                CREATE INDEX finding_evidence_sha ON finding_evidence (sha256);
                """)
    }

    static func v11(_ db: Database) throws {
        // The daemon's own chores, latest of each: the readiness probe's write, the last good
        // nightly backup (so a restart neither repeats nor forgets it).
        try db.execute(
            sql: """
                CREATE TABLE operations (
                    name TEXT PRIMARY KEY NOT NULL,
                    at TEXT NOT NULL,
                    detail TEXT
                ) STRICT;
                """)
    }

    static func v12(_ db: Database) throws {
        // One row per event and endpoint, written in the transaction of the change it reports
        // (DESIGN.md decision 13), delivered after the commit, in order per ticket and endpoint.
        try db.execute(
            sql: """
                CREATE TABLE webhook_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL,
                    site_id TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    ticket_id INTEGER,
                    type TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT NOT NULL,
                    delivered_at TEXT,
                    given_up_at TEXT,
                    last_attempt_at TEXT,
                    last_status INTEGER,
                    last_error TEXT,
                    UNIQUE (event_id, endpoint)
                ) STRICT;
                CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
                    WHERE delivered_at IS NULL AND given_up_at IS NULL;
                CREATE INDEX webhook_outbox_ticket ON webhook_outbox (site_id, endpoint, ticket_id, id)
                    WHERE delivered_at IS NULL AND given_up_at IS NULL;
                CREATE INDEX webhook_outbox_endpoint ON webhook_outbox (site_id, endpoint, id);
                """)
    }

    static func v13(_ db: Database) throws {
        // The figures' daily rollup (``TicketFacts``): one row per day, arrival hour, business
        // type, window, staff member and origin, added to when a ticket finishes, in the same
        // transaction. Waits to the minute for the percentiles. Filled for older tickets by
        // ``ReportStore/rebuildFacts()`` (run at open when tickets finished before it existed).
        try db.execute(
            sql: """
                CREATE TABLE report_facts (
                    site_id TEXT NOT NULL,
                    day TEXT NOT NULL,
                    hour INTEGER NOT NULL,
                    service_id TEXT NOT NULL,
                    counter_id INTEGER NOT NULL,
                    staff TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    tickets INTEGER NOT NULL DEFAULT 0,
                    called INTEGER NOT NULL DEFAULT 0,
                    served INTEGER NOT NULL DEFAULT 0,
                    no_show INTEGER NOT NULL DEFAULT 0,
                    cancelled INTEGER NOT NULL DEFAULT 0,
                    expired INTEGER NOT NULL DEFAULT 0,
                    wait_count INTEGER NOT NULL DEFAULT 0,
                    wait_sum REAL NOT NULL DEFAULT 0,
                    walk_count INTEGER NOT NULL DEFAULT 0,
                    walk_sum REAL NOT NULL DEFAULT 0,
                    service_count INTEGER NOT NULL DEFAULT 0,
                    service_sum REAL NOT NULL DEFAULT 0,
                    busy_sum REAL NOT NULL DEFAULT 0,
                    first_call TEXT,
                    last_finish TEXT,
                    PRIMARY KEY (site_id, day, hour, service_id, counter_id, staff, origin)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE report_waits (
                    site_id TEXT NOT NULL,
                    day TEXT NOT NULL,
                    hour INTEGER NOT NULL,
                    service_id TEXT NOT NULL,
                    counter_id INTEGER NOT NULL,
                    staff TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    minutes INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (site_id, day, hour, service_id, counter_id, staff, origin, minutes)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX counter_events_site ON counter_events (site_id, at);
                """)
    }

    static func v14(_ db: Database) throws {
        // The tickets that still hold something personal: the daily purge finds the old ones
        // through it (and it stays as small as the retention period).
        try db.execute(
            sql: """
                CREATE INDEX tickets_personal ON tickets (site_id, day)
                    WHERE identity_hash IS NOT NULL OR identity_masked IS NOT NULL OR phone_masked IS NOT NULL OR device_hash IS NOT NULL;
                """)
    }

    static func v15(_ db: Database) throws {
        // Booked slots. Places are counted inside the booking's write transaction through
        // `bookings_slot`; a person's misses (the no-show bar) through `bookings_person`; a
        // phone's bookings of a day (the take page's check-in) through `bookings_device`.
        try db.execute(
            sql: """
                CREATE TABLE bookings (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    token TEXT NOT NULL UNIQUE,
                    site_id TEXT NOT NULL REFERENCES sites(id),
                    service_id TEXT NOT NULL,
                    day TEXT NOT NULL,
                    slot_start TEXT NOT NULL,
                    slot_end TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('booked', 'cancelled', 'checked_in')),
                    person_hash TEXT,
                    identity_kind TEXT,
                    identity_hash TEXT,
                    identity_masked TEXT,
                    phone_masked TEXT,
                    device_hash TEXT,
                    created_at TEXT NOT NULL,
                    cancelled_at TEXT,
                    checked_in_at TEXT,
                    ticket_id INTEGER REFERENCES tickets(id),
                    CHECK (state <> 'checked_in' OR ticket_id IS NOT NULL)
                ) STRICT;
                CREATE INDEX bookings_slot ON bookings (site_id, service_id, slot_start, state);
                CREATE INDEX bookings_day ON bookings (site_id, day, slot_start);
                CREATE INDEX bookings_person ON bookings (person_hash, slot_end) WHERE person_hash IS NOT NULL;
                CREATE INDEX bookings_device ON bookings (device_hash, day, slot_start) WHERE device_hash IS NOT NULL;
                """)
    }

    static func v16(_ db: Database) throws {
        // A unit's self-inspection form carries a one-time key: sent twice (a double tap, a resent
        // form), it records one self-inspection.
        try db.execute(
            sql: """
                ALTER TABLE inspections ADD COLUMN submission TEXT;
                CREATE UNIQUE INDEX inspections_submission ON inspections (unit_id, submission) WHERE submission IS NOT NULL;
                """)
    }

    static func v17(_ db: Database) throws {
        // A transferred ticket counts once, under the business type it was issued as, and each window
        // that passed it on keeps its call and a transfer out (``TicketFacts/shares``): the rollup
        // gains the windows' calls and transfers, and is filled again from the event log at open
        // (``TicketStore/reportFactsNeedRebuild(_:)`` sees it empty and never built).
        try db.execute(
            sql: """
                ALTER TABLE report_facts ADD COLUMN calls INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE report_facts ADD COLUMN transfers_in INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE report_facts ADD COLUMN transfers_out INTEGER NOT NULL DEFAULT 0;
                DELETE FROM report_facts;
                DELETE FROM report_waits;
                DELETE FROM operations WHERE name = 'report_facts';
                """)
    }

    static func v18(_ db: Database) throws {
        // Leases: one daemon at a time drives a hall's printer and delivers an endpoint's webhooks
        // (``StoreOperations/hold(_:holder:for:)``). A hall's slips go through the database
        // (``PrintQueue``): whichever daemon takes the number, the one holding the site's printer
        // prints it, in order, one at a time. Who delivered each webhook is kept.
        try db.execute(sql: v18Schema(blob: "BLOB", integer: "INTEGER", moment: "TEXT", id: "INTEGER PRIMARY KEY", strict: " STRICT"))
    }

    /// Migration 18's tables in either engine's types (PostgreSQL's list runs it too, a statement at a time).
    static func v18Schema(blob: String, integer: String, moment: String, id: String, strict: String) -> String {
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY NOT NULL,
            holder TEXT NOT NULL,
            held_until \(moment) NOT NULL
        )\(strict);
        CREATE TABLE print_jobs (
            id \(id),
            site_id TEXT NOT NULL REFERENCES sites(id),
            target TEXT NOT NULL,
            bytes \(blob) NOT NULL,
            created_at \(moment) NOT NULL,
            outcome TEXT CHECK (outcome IN ('printed', 'failed', 'expired')),
            problem_zh TEXT,
            problem_en TEXT,
            printed_by TEXT,
            finished_at \(moment)
        )\(strict);
        CREATE INDEX print_jobs_waiting ON print_jobs (site_id, id) WHERE outcome IS NULL;
        CREATE INDEX print_jobs_finished ON print_jobs (finished_at) WHERE outcome IS NOT NULL;
        CREATE TABLE printers (
            site_id TEXT PRIMARY KEY NOT NULL REFERENCES sites(id),
            ok \(integer) NOT NULL CHECK (ok IN (0, 1)),
            problem_zh TEXT,
            problem_en TEXT,
            checked_at \(moment) NOT NULL,
            printed \(integer) NOT NULL DEFAULT 0
        )\(strict);
        ALTER TABLE webhook_outbox ADD COLUMN delivered_by TEXT;
        """
    }

    static func v19(_ db: Database) throws {
        // An office's daily tools: units' areas and grades, the inspectors of each visit, conflicts of
        // interest, plans and their draws, complaints, photos taken on site, the unit's signature, and
        // due days moved (a new action in the append-only `finding_events`, rebuilt with its check).
        try db.execute(sql: v19Schema(integer: "INTEGER", moment: "TEXT", id: "INTEGER PRIMARY KEY", strict: " STRICT"))
        try db.execute(
            sql: """
                CREATE TABLE finding_events_19 (
                    id INTEGER PRIMARY KEY,
                    finding_id INTEGER NOT NULL REFERENCES findings(id),
                    at REAL NOT NULL,
                    action TEXT NOT NULL CHECK (action IN ('create', 'submit', 'reject', 'verify', 'close', 'extend')),
                    initiator TEXT NOT NULL,
                    text TEXT
                );
                INSERT INTO finding_events_19 SELECT id, finding_id, at, action, initiator, text FROM finding_events;
                DROP TABLE finding_events;
                ALTER TABLE finding_events_19 RENAME TO finding_events;
                CREATE INDEX finding_events_finding ON finding_events (finding_id);
                CREATE TRIGGER finding_events_no_update BEFORE UPDATE ON finding_events
                    BEGIN SELECT RAISE(ABORT, 'finding_events is append-only'); END;
                CREATE TRIGGER finding_events_no_delete BEFORE DELETE ON finding_events
                    BEGIN SELECT RAISE(ABORT, 'finding_events is append-only'); END;
                """)
    }

    static func v20(_ db: Database) throws {
        // A drawn plan published (双随机、一公开): when, and by whom; why an on-site visit was checked
        // out without the unit's signature.
        try db.execute(sql: v20Schema(moment: "TEXT"))
    }

    static func v21(_ db: Database) throws {
        try db.execute(sql: v21Schema(integer: "INTEGER", moment: "TEXT", id: "INTEGER PRIMARY KEY", strict: " STRICT"))
    }

    static func v22(_ db: Database) throws {
        try db.execute(sql: v22Schema)
    }

    /// Migration 22, the same in both engines: why a message is being retried, as a class the
    /// pages put in the reader's words (``NoticeFailure``), beside the provider's own words.
    static let v22Schema = """
        ALTER TABLE notices ADD COLUMN failure TEXT CHECK (failure IN ('unreachable', 'timeout', 'busy', 'not_taken'))
        """

    /// Migration 21's statements, in either engine's types: messages to visitors (issue 23). A
    /// visitor's address (the phone in clear, for a visitor who chose text messages) is in
    /// `notice_contacts` only, deleted when the ticket ends; `notices` is the outbox, each message
    /// with its idempotency key, written in the transaction of the change it tells of (a code's
    /// address and the code itself only until it is sent). A ticket's phone is kept as a keyed
    /// hash too, and `ticket_claims` holds the code (hashed) that lets another browser take a number over.
    static func v21Schema(integer: String, moment: String, id: String, strict: String) -> String {
        """
        CREATE TABLE notice_contacts (
            ticket_id \(integer) NOT NULL REFERENCES tickets(id),
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'wechat')),
            site_id TEXT NOT NULL,
            address TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'zh',
            grants TEXT,
            created_at \(moment) NOT NULL,
            PRIMARY KEY (ticket_id, channel)
        )\(strict);
        CREATE TABLE notices (
            id \(id),
            key TEXT NOT NULL UNIQUE,
            site_id TEXT NOT NULL,
            ticket_id \(integer) REFERENCES tickets(id),
            booking_id \(integer) REFERENCES bookings(id),
            finding_id \(integer) REFERENCES findings(id),
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'wechat')),
            kind TEXT NOT NULL CHECK (kind IN ('taken', 'near', 'called', 'recalled', 'code', 'booked', 'booking_reminder', 'finding',
                'finding_due', 'finding_rejected')),
            counter_id \(integer),
            ahead \(integer),
            address TEXT,
            detail TEXT,
            created_at \(moment) NOT NULL,
            next_attempt_at \(moment) NOT NULL,
            attempts \(integer) NOT NULL DEFAULT 0,
            last_attempt_at \(moment),
            last_error TEXT,
            outcome TEXT CHECK (outcome IN ('sent', 'stale', 'overtaken', 'ended', 'capped', 'given_up', 'refused')),
            finished_at \(moment),
            sent_by TEXT
        )\(strict);
        CREATE INDEX notices_due ON notices (site_id, channel, next_attempt_at) WHERE finished_at IS NULL;
        CREATE INDEX notices_ticket ON notices (ticket_id);
        CREATE INDEX notices_booking ON notices (booking_id) WHERE booking_id IS NOT NULL;
        CREATE INDEX notices_finding ON notices (finding_id) WHERE finding_id IS NOT NULL;
        CREATE UNIQUE INDEX notices_one_near ON notices (ticket_id, channel) WHERE kind = 'near';
        ALTER TABLE tickets ADD COLUMN phone_hash TEXT;
        CREATE TABLE ticket_claims (
            ticket_id \(integer) PRIMARY KEY REFERENCES tickets(id),
            code_hash TEXT NOT NULL,
            created_at \(moment) NOT NULL,
            expires_at \(moment) NOT NULL,
            attempts \(integer) NOT NULL DEFAULT 0,
            sent_today \(integer) NOT NULL DEFAULT 1
        )\(strict);
        """
    }

    /// Migration 20's statements, in either engine's types.
    static func v20Schema(moment: String) -> String {
        """
        ALTER TABLE plans ADD COLUMN published_at \(moment);
        ALTER TABLE plans ADD COLUMN published_by TEXT;
        ALTER TABLE inspections ADD COLUMN unsigned_reason TEXT;
        ALTER TABLE plan_visits ADD COLUMN team TEXT;
        """
    }

    /// Migration 19's statements both engines share, in either engine's types.
    static func v19Schema(integer: String, moment: String, id: String, strict: String) -> String {
        """
        ALTER TABLE units ADD COLUMN area TEXT NOT NULL DEFAULT '';
        ALTER TABLE units ADD COLUMN grade TEXT CHECK (grade IN ('good', 'fair', 'poor'));
        ALTER TABLE units ADD COLUMN grade_set_at \(moment);
        CREATE INDEX units_site_name ON units (site_id, name);
        ALTER TABLE inspections ADD COLUMN inspectors TEXT;
        ALTER TABLE inspections ADD COLUMN signature_sha256 TEXT REFERENCES evidence(sha256);
        ALTER TABLE inspections ADD COLUMN signed_by TEXT;
        ALTER TABLE inspections ADD COLUMN signed_at \(moment);
        CREATE TABLE inspection_inspectors (
            inspection_id \(integer) NOT NULL REFERENCES inspections(id),
            initiator TEXT NOT NULL,
            name TEXT NOT NULL,
            how TEXT NOT NULL CHECK (how IN ('called', 'checked_in', 'scanned', 'chosen', 'remote', 'recorded')),
            joined_at \(moment) NOT NULL,
            PRIMARY KEY (inspection_id, initiator)
        )\(strict);
        CREATE TABLE recusals (
            site_id TEXT NOT NULL REFERENCES sites(id),
            staff_id \(integer) NOT NULL REFERENCES staff(id),
            unit_id \(integer) NOT NULL REFERENCES units(id),
            reason TEXT NOT NULL,
            declared_at \(moment) NOT NULL,
            declared_by TEXT NOT NULL,
            PRIMARY KEY (staff_id, unit_id)
        )\(strict);
        CREATE INDEX recusals_unit ON recusals (unit_id);
        CREATE TABLE plans (
            id \(id),
            site_id TEXT NOT NULL REFERENCES sites(id),
            name TEXT NOT NULL,
            first_day TEXT NOT NULL,
            last_day TEXT NOT NULL,
            scope TEXT NOT NULL,
            quotas TEXT NOT NULL,
            team \(integer) NOT NULL,
            created_at \(moment) NOT NULL,
            created_by TEXT NOT NULL,
            seed TEXT,
            drawn_at \(moment),
            drawn_by TEXT,
            drawn_from TEXT,
            UNIQUE (site_id, name)
        )\(strict);
        CREATE TABLE plan_visits (
            plan_id \(integer) NOT NULL REFERENCES plans(id),
            position \(integer) NOT NULL,
            unit_id \(integer) NOT NULL REFERENCES units(id),
            inspectors TEXT NOT NULL,
            inspection_id \(integer) REFERENCES inspections(id),
            PRIMARY KEY (plan_id, position),
            UNIQUE (plan_id, unit_id)
        )\(strict);
        CREATE INDEX plan_visits_inspection ON plan_visits (inspection_id);
        CREATE TABLE inspection_assignees (
            inspection_id \(integer) NOT NULL REFERENCES inspections(id),
            staff_id \(integer) NOT NULL REFERENCES staff(id),
            PRIMARY KEY (inspection_id, staff_id)
        )\(strict);
        CREATE TABLE complaints (
            id \(id),
            site_id TEXT NOT NULL REFERENCES sites(id),
            unit_id \(integer) NOT NULL REFERENCES units(id),
            text TEXT NOT NULL,
            happened TEXT,
            phone TEXT,
            photo_sha256 TEXT REFERENCES evidence(sha256),
            device_hash TEXT,
            address_hash TEXT,
            created_at \(moment) NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'converted', 'closed')),
            decided_at \(moment),
            decided_by TEXT,
            reason TEXT,
            inspection_id \(integer) REFERENCES inspections(id)
        )\(strict);
        CREATE INDEX complaints_site ON complaints (site_id, state, created_at);
        CREATE INDEX complaints_device ON complaints (site_id, device_hash, created_at);
        CREATE INDEX complaints_address ON complaints (site_id, address_hash, created_at);
        CREATE TABLE inspection_photos (
            inspection_id \(integer) NOT NULL REFERENCES inspections(id),
            item_code TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES evidence(sha256),
            added_at \(moment) NOT NULL,
            added_by TEXT NOT NULL,
            PRIMARY KEY (inspection_id, item_code, sha256)
        )\(strict);
        CREATE INDEX inspection_photos_sha ON inspection_photos (sha256);
        """
    }
}
