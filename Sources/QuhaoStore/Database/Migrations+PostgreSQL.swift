import Foundation

/// The schema on PostgreSQL as of SQLite's migration v17, one statement each (postgres-nio's
/// extended protocol takes one at a time). The same tables, columns, checks and indexes as the
/// SQLite migrations build, in PostgreSQL's types: `BIGINT` (every integer; booleans stay 0/1 so
/// the queries are the same), `TIMESTAMPTZ` (moments), `BYTEA` (secrets); `BIGSERIAL` ids; the
/// append-only logs and an inspection following its ticket as plpgsql triggers; `staff.login`
/// unique whatever its case (SQLite's `COLLATE NOCASE`); `sites.version`, raised by every change
/// of a site, so every daemon's board can follow it.
enum PostgresSchema {
    static let baseline: [String] = [
        """
        CREATE TABLE sites (
            id TEXT PRIMARY KEY,
            definition TEXT NOT NULL,
            active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            synced_at TIMESTAMPTZ NOT NULL,
            -- Every committed change of the site raises it (the boards of every daemon follow it).
            version BIGINT NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE counter_states (
            site_id TEXT NOT NULL REFERENCES sites(id),
            counter_id BIGINT NOT NULL,
            paused BIGINT NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
            priority_streak BIGINT NOT NULL DEFAULT 0 CHECK (priority_streak >= 0),
            PRIMARY KEY (site_id, counter_id)
        )
        """,
        """
        CREATE TABLE tickets (
            id BIGSERIAL PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            site_id TEXT NOT NULL REFERENCES sites(id),
            day TEXT NOT NULL,
            origin_service_id TEXT NOT NULL,
            seq BIGINT NOT NULL CHECK (seq > 0),
            number TEXT NOT NULL,
            service_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('remote', 'waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'expired')),
            priority TEXT NOT NULL CHECK (priority IN ('green', 'appointment', 'normal')),
            appointment_start TIMESTAMPTZ,
            appointment_end TIMESTAMPTZ,
            channel TEXT NOT NULL,
            sort_key BIGINT NOT NULL,
            counter_id BIGINT,
            recall_count BIGINT NOT NULL DEFAULT 0,
            transfer_count BIGINT NOT NULL DEFAULT 0,
            reactivated BIGINT NOT NULL DEFAULT 0 CHECK (reactivated IN (0, 1)),
            identity_kind TEXT,
            identity_hash TEXT,
            identity_masked TEXT,
            phone_masked TEXT,
            issued_at TIMESTAMPTZ NOT NULL,
            checked_in_at TIMESTAMPTZ,
            called_at TIMESTAMPTZ,
            started_at TIMESTAMPTZ,
            finished_at TIMESTAMPTZ,
            device_hash TEXT,
            UNIQUE (site_id, day, origin_service_id, seq),
            CHECK (state NOT IN ('called', 'serving') OR counter_id IS NOT NULL)
        )
        """,
        """
        CREATE INDEX tickets_queue ON tickets (site_id, day, state, service_id, priority, sort_key)
        """,
        """
        CREATE INDEX tickets_order ON tickets (site_id, day, sort_key)
        """,
        """
        CREATE INDEX tickets_number ON tickets (site_id, day, number)
        """,
        """
        CREATE INDEX tickets_identity ON tickets (site_id, day, origin_service_id, identity_hash) WHERE identity_hash IS NOT NULL
        """,
        """
        CREATE UNIQUE INDEX tickets_one_per_counter ON tickets (site_id, counter_id) WHERE state IN ('called', 'serving')
        """,
        """
        CREATE INDEX tickets_device ON tickets (site_id, device_hash) WHERE device_hash IS NOT NULL
        """,
        """
        CREATE INDEX tickets_done ON tickets (site_id, day, service_id, finished_at) WHERE state = 'done'
        """,
        """
        CREATE INDEX tickets_open ON tickets (site_id, day) WHERE state IN ('remote', 'waiting', 'called', 'serving')
        """,
        """
        CREATE INDEX tickets_personal ON tickets (site_id, day)
            WHERE identity_hash IS NOT NULL OR identity_masked IS NOT NULL OR phone_masked IS NOT NULL OR device_hash IS NOT NULL
        """,
        """
        CREATE TABLE ticket_events (
            id BIGSERIAL PRIMARY KEY,
            ticket_id BIGINT NOT NULL REFERENCES tickets(id),
            site_id TEXT NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            action TEXT NOT NULL,
            from_state TEXT,
            to_state TEXT NOT NULL,
            counter_id BIGINT,
            service_id TEXT NOT NULL,
            initiator TEXT NOT NULL,
            detail TEXT
        )
        """,
        """
        CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id)
        """,
        """
        CREATE INDEX ticket_events_site ON ticket_events (site_id, at)
        """,
        """
        CREATE INDEX events_calls ON ticket_events (site_id, counter_id, at) WHERE action IN ('call', 'recall')
        """,
        """
        CREATE TABLE counter_events (
            id BIGSERIAL PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES sites(id),
            counter_id BIGINT NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('pause', 'resume')),
            initiator TEXT NOT NULL
        )
        """,
        """
        CREATE INDEX counter_events_site ON counter_events (site_id, at)
        """,
        """
        CREATE TABLE secrets (
            name TEXT PRIMARY KEY,
            value BYTEA NOT NULL
        )
        """,
        """
        CREATE TABLE ratings (
            ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id),
            site_id TEXT NOT NULL,
            score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
            counter_id BIGINT,
            staff TEXT,
            at TIMESTAMPTZ NOT NULL
        )
        """,
        """
        CREATE INDEX ratings_site ON ratings (site_id, at)
        """,
        """
        CREATE TABLE staff (
            id BIGSERIAL PRIMARY KEY,
            login TEXT NOT NULL,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'inspector')),
            site_id TEXT,
            counters TEXT NOT NULL DEFAULT '',
            password_hash TEXT NOT NULL,
            disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
            created_at TIMESTAMPTZ NOT NULL,
            password_changed_at TIMESTAMPTZ NOT NULL,
            CHECK (role = 'admin' OR site_id IS NOT NULL)
        )
        """,
        """
        CREATE UNIQUE INDEX staff_login ON staff (lower(login))
        """,
        """
        CREATE TABLE staff_events (
            id BIGSERIAL PRIMARY KEY,
            staff_id BIGINT NOT NULL REFERENCES staff(id),
            at TIMESTAMPTZ NOT NULL,
            action TEXT NOT NULL,
            initiator TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            staff_id BIGINT NOT NULL REFERENCES staff(id),
            created_at TIMESTAMPTZ NOT NULL,
            last_seen_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL
        )
        """,
        """
        CREATE INDEX sessions_staff ON sessions (staff_id)
        """,
        """
        CREATE TABLE api_tokens (
            id BIGSERIAL PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'inspector')),
            site_id TEXT,
            counters TEXT NOT NULL DEFAULT '',
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ,
            revoked_at TIMESTAMPTZ,
            last_used_at TIMESTAMPTZ,
            CHECK (role = 'admin' OR site_id IS NOT NULL)
        )
        """,
        """
        CREATE TABLE units (
            id BIGSERIAL PRIMARY KEY,
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
            active BIGINT NOT NULL DEFAULT 1,
            poster_version BIGINT NOT NULL DEFAULT 1,
            private_version BIGINT NOT NULL DEFAULT 1,
            poster_token TEXT NOT NULL UNIQUE,
            private_token TEXT NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            UNIQUE (site_id, uscc)
        )
        """,
        """
        CREATE TABLE unit_events (
            id BIGSERIAL PRIMARY KEY,
            unit_id BIGINT NOT NULL REFERENCES units(id),
            at TIMESTAMPTZ NOT NULL,
            action TEXT NOT NULL,
            initiator TEXT NOT NULL,
            detail TEXT
        )
        """,
        """
        CREATE INDEX unit_events_unit ON unit_events (unit_id)
        """,
        """
        CREATE TABLE checklists (
            site_id TEXT NOT NULL REFERENCES sites(id),
            version BIGINT NOT NULL,
            items TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (site_id, version)
        )
        """,
        """
        CREATE TABLE inspections (
            id BIGSERIAL PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES sites(id),
            unit_id BIGINT NOT NULL REFERENCES units(id),
            kind TEXT NOT NULL CHECK (kind IN ('routine', 'special', 'reinspection', 'self')),
            mode TEXT CHECK (mode IN ('on_site', 'remote_video', 'self')),
            status TEXT NOT NULL CHECK (status IN ('requested', 'called', 'in_progress', 'recorded', 'closed', 'cancelled')),
            ticket_id BIGINT UNIQUE REFERENCES tickets(id),
            counter_id BIGINT,
            requested_at TIMESTAMPTZ NOT NULL,
            called_by TEXT,
            checked_in_at TIMESTAMPTZ,
            checked_in_by TEXT,
            check_in_proof TEXT CHECK (check_in_proof IN ('poster_token', 'rotating_code')),
            checked_out_at TIMESTAMPTZ,
            checklist_version BIGINT,
            result TEXT CHECK (result IN ('compliant', 'basically_compliant', 'non_compliant')),
            summary TEXT,
            recorded_at TIMESTAMPTZ,
            recorded_by TEXT,
            submission TEXT
        )
        """,
        """
        CREATE INDEX inspections_unit ON inspections (unit_id, requested_at)
        """,
        """
        CREATE INDEX inspections_site ON inspections (site_id, recorded_at)
        """,
        """
        CREATE UNIQUE INDEX inspections_one_open ON inspections (unit_id)
            WHERE kind <> 'self' AND status IN ('requested', 'called', 'in_progress', 'recorded')
        """,
        """
        CREATE UNIQUE INDEX inspections_submission ON inspections (unit_id, submission) WHERE submission IS NOT NULL
        """,
        """
        -- An inspection requested through the queue follows its ticket (SQLite's trigger of the same name).
        CREATE FUNCTION inspections_follow_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE inspections SET
                counter_id = COALESCE(NEW.counter_id, counter_id),
                status = CASE NEW.state
                    WHEN 'remote' THEN 'requested'
                    WHEN 'waiting' THEN 'requested'
                    WHEN 'expired' THEN 'requested'
                    WHEN 'called' THEN 'called'
                    WHEN 'serving' THEN CASE WHEN status = 'recorded' THEN 'recorded' ELSE 'in_progress' END
                    WHEN 'done' THEN CASE WHEN status = 'recorded' THEN 'closed' ELSE status END
                    ELSE 'cancelled'
                END
            WHERE ticket_id = NEW.id AND status NOT IN ('closed', 'cancelled');
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER inspections_follow_ticket AFTER UPDATE OF state, counter_id ON tickets
            FOR EACH ROW EXECUTE FUNCTION inspections_follow_ticket()
        """,
        """
        CREATE TABLE item_results (
            inspection_id BIGINT NOT NULL REFERENCES inspections(id),
            item_code TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('yes', 'no', 'na', 'not_observed')),
            note TEXT,
            PRIMARY KEY (inspection_id, item_code)
        )
        """,
        """
        CREATE TABLE findings (
            id BIGSERIAL PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES sites(id),
            inspection_id BIGINT NOT NULL REFERENCES inspections(id),
            unit_id BIGINT NOT NULL REFERENCES units(id),
            item_code TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('key', 'general')),
            description TEXT NOT NULL,
            corrected_on_site BIGINT NOT NULL DEFAULT 0,
            due_day TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'rectification_submitted', 'verified')),
            created_at TIMESTAMPTZ NOT NULL,
            response TEXT,
            responded_at TIMESTAMPTZ,
            rejection_reason TEXT,
            verified_at TIMESTAMPTZ,
            verified_by TEXT,
            closed_by_inspection_id BIGINT REFERENCES inspections(id),
            UNIQUE (inspection_id, item_code)
        )
        """,
        """
        CREATE INDEX findings_unit ON findings (unit_id, state)
        """,
        """
        CREATE INDEX findings_site ON findings (site_id, created_at)
        """,
        """
        CREATE TABLE finding_events (
            id BIGSERIAL PRIMARY KEY,
            finding_id BIGINT NOT NULL REFERENCES findings(id),
            at TIMESTAMPTZ NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('create', 'submit', 'reject', 'verify', 'close')),
            initiator TEXT NOT NULL,
            text TEXT
        )
        """,
        """
        CREATE INDEX finding_events_finding ON finding_events (finding_id)
        """,
        """
        CREATE TABLE evidence (
            sha256 TEXT PRIMARY KEY,
            content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
            size BIGINT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL
        )
        """,
        """
        CREATE TABLE finding_evidence (
            finding_event_id BIGINT NOT NULL REFERENCES finding_events(id),
            sha256 TEXT NOT NULL REFERENCES evidence(sha256),
            PRIMARY KEY (finding_event_id, sha256)
        )
        """,
        """
        CREATE INDEX finding_evidence_sha ON finding_evidence (sha256)
        """,
        """
        CREATE TABLE operations (
            name TEXT PRIMARY KEY,
            at TIMESTAMPTZ NOT NULL,
            detail TEXT
        )
        """,
        """
        CREATE TABLE webhook_outbox (
            id BIGSERIAL PRIMARY KEY,
            event_id TEXT NOT NULL,
            site_id TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            ticket_id BIGINT,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0,
            next_attempt_at TIMESTAMPTZ NOT NULL,
            delivered_at TIMESTAMPTZ,
            given_up_at TIMESTAMPTZ,
            last_attempt_at TIMESTAMPTZ,
            last_status BIGINT,
            last_error TEXT,
            UNIQUE (event_id, endpoint)
        )
        """,
        """
        CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL AND given_up_at IS NULL
        """,
        """
        CREATE INDEX webhook_outbox_ticket ON webhook_outbox (site_id, endpoint, ticket_id, id) WHERE delivered_at IS NULL AND given_up_at IS NULL
        """,
        """
        CREATE INDEX webhook_outbox_endpoint ON webhook_outbox (site_id, endpoint, id)
        """,
        """
        CREATE TABLE report_facts (
            site_id TEXT NOT NULL,
            day TEXT NOT NULL,
            hour BIGINT NOT NULL,
            service_id TEXT NOT NULL,
            counter_id BIGINT NOT NULL,
            staff TEXT NOT NULL,
            origin TEXT NOT NULL,
            tickets BIGINT NOT NULL DEFAULT 0,
            called BIGINT NOT NULL DEFAULT 0,
            served BIGINT NOT NULL DEFAULT 0,
            no_show BIGINT NOT NULL DEFAULT 0,
            cancelled BIGINT NOT NULL DEFAULT 0,
            expired BIGINT NOT NULL DEFAULT 0,
            wait_count BIGINT NOT NULL DEFAULT 0,
            wait_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
            walk_count BIGINT NOT NULL DEFAULT 0,
            walk_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
            service_count BIGINT NOT NULL DEFAULT 0,
            service_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
            busy_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
            first_call TIMESTAMPTZ,
            last_finish TIMESTAMPTZ,
            calls BIGINT NOT NULL DEFAULT 0,
            transfers_in BIGINT NOT NULL DEFAULT 0,
            transfers_out BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (site_id, day, hour, service_id, counter_id, staff, origin)
        )
        """,
        """
        CREATE TABLE report_waits (
            site_id TEXT NOT NULL,
            day TEXT NOT NULL,
            hour BIGINT NOT NULL,
            service_id TEXT NOT NULL,
            counter_id BIGINT NOT NULL,
            staff TEXT NOT NULL,
            origin TEXT NOT NULL,
            minutes BIGINT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, hour, service_id, counter_id, staff, origin, minutes)
        )
        """,
        """
        CREATE TABLE bookings (
            id BIGSERIAL PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            site_id TEXT NOT NULL REFERENCES sites(id),
            service_id TEXT NOT NULL,
            day TEXT NOT NULL,
            slot_start TIMESTAMPTZ NOT NULL,
            slot_end TIMESTAMPTZ NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('booked', 'cancelled', 'checked_in')),
            person_hash TEXT,
            identity_kind TEXT,
            identity_hash TEXT,
            identity_masked TEXT,
            phone_masked TEXT,
            device_hash TEXT,
            created_at TIMESTAMPTZ NOT NULL,
            cancelled_at TIMESTAMPTZ,
            checked_in_at TIMESTAMPTZ,
            ticket_id BIGINT REFERENCES tickets(id),
            CHECK (state <> 'checked_in' OR ticket_id IS NOT NULL)
        )
        """,
        """
        CREATE INDEX bookings_slot ON bookings (site_id, service_id, slot_start, state)
        """,
        """
        CREATE INDEX bookings_day ON bookings (site_id, day, slot_start)
        """,
        """
        CREATE INDEX bookings_person ON bookings (person_hash, slot_end) WHERE person_hash IS NOT NULL
        """,
        """
        CREATE INDEX bookings_device ON bookings (device_hash, day, slot_start) WHERE device_hash IS NOT NULL
        """,
        """
        -- The logs are append-only.
        CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END $$
        """,
        """
        CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events FOR EACH ROW EXECUTE FUNCTION append_only()
        """,
        """
        CREATE TRIGGER counter_events_append_only BEFORE UPDATE OR DELETE ON counter_events FOR EACH ROW EXECUTE FUNCTION append_only()
        """,
        """
        CREATE TRIGGER staff_events_append_only BEFORE UPDATE OR DELETE ON staff_events FOR EACH ROW EXECUTE FUNCTION append_only()
        """,
        """
        CREATE TRIGGER unit_events_append_only BEFORE UPDATE OR DELETE ON unit_events FOR EACH ROW EXECUTE FUNCTION append_only()
        """,
        """
        CREATE TRIGGER finding_events_append_only BEFORE UPDATE OR DELETE ON finding_events FOR EACH ROW EXECUTE FUNCTION append_only()
        """,
    ]
}
