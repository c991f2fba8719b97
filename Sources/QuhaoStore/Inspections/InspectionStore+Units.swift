import Crypto
import Foundation
import QuhaoCore

/// A unit with the tokens printed for it.
public struct RegisteredUnit: Sendable, Hashable {
    public let unit: CanteenUnit
    /// For the poster at the premises (`/p/{token}`).
    public let posterToken: String
    /// For the unit's contact (`/u/{token}`).
    public let privateToken: String
}

extension InspectionStore {
    // MARK: - Writes: units

    /// Registers a unit at an inspection office and makes its two tokens.
    /// - Throws: ``QuhaoError`` `unit.*`, `identity.*`, `phone.*` for a bad field (parameter `field`
    ///   names it); `unit.duplicate` when the credit code is already registered; `site.not_found`.
    public func createUnit(site: String, _ draft: UnitDraft, by initiator: Initiator) async throws -> RegisteredUnit {
        let checked = try draft.checked()
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                _ = try Self.office(db, site, sites: tickets.sites)
                return try Self.insert(db, site: site, checked, now: now, by: initiator)
            }
        }
    }

    /// Changes a unit's details (its tokens stay).
    /// - Throws: As ``createUnit(site:_:by:)``, and `unit.not_found`.
    public func updateUnit(_ id: CanteenUnit.ID, _ draft: UnitDraft, by initiator: Initiator) async throws -> RegisteredUnit {
        let checked = try draft.checked()
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                let existing = try Self.fetchUnit(db, id: id)
                return try Self.update(db, existing, checked, now: now, by: initiator)
            }
        }
    }

    /// Deactivates (or activates again) a unit: a deactivated unit's private link refuses every
    /// action and it leaves the figures of units due for a visit; its history stays.
    public func setUnitActive(_ id: CanteenUnit.ID, _ active: Bool, by initiator: Initiator) async throws -> RegisteredUnit {
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                let existing = try Self.fetchUnit(db, id: id)
                guard existing.unit.active != active else { return existing }
                try db.execute("UPDATE units SET active = ?, updated_at = ? WHERE id = ?", [active, now, id])
                try Self.log(db, unit: id, now, active ? "activate" : "deactivate", initiator, nil)
                return try Self.fetchUnit(db, id: id)
            }
        }
    }

    /// Makes a new token of one kind for a unit: the old one (and every poster or sheet printed
    /// with it) stops working at once.
    public func rotateToken(_ kind: UnitTokenKind, unit id: CanteenUnit.ID, by initiator: Initiator) async throws -> RegisteredUnit {
        let now = clock.now()
        return try await guarded {
            try await writer.write { db in
                let existing = try Self.fetchUnit(db, id: id)
                let column = kind == .poster ? "poster" : "private"
                let version = try db.value(Int.self, "SELECT \(column)_version FROM units WHERE id = ?", [id])! + 1
                let token = UnitTokens.make(
                    kind, site: existing.unit.siteID, unit: id, version: version, key: try UnitTokens.key(db, site: existing.unit.siteID))
                try db.execute("UPDATE units SET \(column)_version = ?, \(column)_token = ?, updated_at = ? WHERE id = ?", [version, token, now, id])
                try Self.log(db, unit: id, now, "rotate_\(column)", initiator, "version \(version)")
                return try Self.fetchUnit(db, id: id)
            }
        }
    }

    // MARK: - Reads: units

    /// A unit by id.
    /// - Throws: `unit.not_found`.
    public func unit(_ id: CanteenUnit.ID) async throws -> RegisteredUnit {
        try await read { db in try Self.fetchUnit(db, id: id) }
    }

    /// An office's units, by name.
    public func units(site: String, includingInactive: Bool = true) async throws -> [RegisteredUnit] {
        try await read { db in
            try db.rows(
                "SELECT * FROM units WHERE site_id = ? \(includingInactive ? "" : "AND active = 1") ORDER BY name, id", [site]
            ).map(Self.registered)
        }
    }

    /// The unit a token belongs to, when it is the kind asked for.
    /// - Throws: `unit.token_invalid` for a token that is not (or no longer) any unit's;
    ///   `unit.token_wrong_kind` for a poster token where the private one is needed (and the reverse).
    public func unit(token: String, as kind: UnitTokenKind) async throws -> RegisteredUnit {
        guard UnitTokens.isWellFormed(token) else { throw QuhaoError(.unitTokenInvalid) }
        return try await read { db in
            guard let row = try db.row("SELECT * FROM units WHERE poster_token = ? OR private_token = ?", [token, token])
            else { throw QuhaoError(.unitTokenInvalid) }
            let found = try Self.registered(row)
            let matches = kind == .poster ? found.posterToken == token : found.privateToken == token
            guard matches else { throw QuhaoError(.unitTokenWrongKind) }
            return found
        }
    }

    // MARK: - Inside transactions

    /// One food-business licence names one unit: another unit of the office holding it is refused.
    static func licenceIsFree(_ db: any SQLDatabase, site: String, _ licence: String, except unit: CanteenUnit.ID?) throws {
        if let clash = try db.value(
            String.self, "SELECT name FROM units WHERE site_id = ? AND licence = ? AND id IS DISTINCT FROM ?", [site, licence, unit])
        {
            throw QuhaoError(.unitLicenceTaken, ["licence": licence, "name": clash, "field": UnitDraft.Field.licence.rawValue])
        }
    }

    static func insert(_ db: any SQLDatabase, site: String, _ checked: UnitDraft.Checked, now: Date, by initiator: Initiator) throws -> RegisteredUnit
    {
        if let clash = try db.row("SELECT name FROM units WHERE site_id = ? AND uscc = ?", [site, checked.uscc]) {
            throw QuhaoError(.unitDuplicate, ["uscc": checked.uscc, "name": try clash["name"], "field": UnitDraft.Field.uscc.rawValue])
        }
        try licenceIsFree(db, site: site, checked.licence, except: nil)
        // The tokens need the row's id: it is inserted with placeholders, then given them.
        let placeholder = "pending-\(UUID().uuidString)"
        let id = try db.insert(
            """
            INSERT INTO units (site_id, name, uscc, licence, address, type, risk, contact_name, contact_phone, kitchen_mode,
                camera_url, active, area, poster_token, private_token, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                site, checked.name, checked.uscc, checked.licence, checked.address, checked.type.rawValue, checked.risk.rawValue,
                checked.contactName, checked.contactPhone, checked.kitchenMode.rawValue, checked.cameraURL, checked.active, checked.area,
                placeholder + "p", placeholder + "u", now, now,
            ])
        let key = try UnitTokens.key(db, site: site)
        try db.execute(
            "UPDATE units SET poster_token = ?, private_token = ? WHERE id = ?",
            [
                UnitTokens.make(.poster, site: site, unit: id, version: 1, key: key),
                UnitTokens.make(.private, site: site, unit: id, version: 1, key: key), id,
            ])
        try log(db, unit: id, now, "create", initiator, nil)
        return try fetchUnit(db, id: id)
    }

    static func update(_ db: any SQLDatabase, _ existing: RegisteredUnit, _ checked: UnitDraft.Checked, now: Date, by initiator: Initiator) throws
        -> RegisteredUnit
    {
        let unit = existing.unit
        if checked.uscc != unit.uscc,
            let clash = try db.row("SELECT name FROM units WHERE site_id = ? AND uscc = ? AND id != ?", [unit.siteID, checked.uscc, unit.id])
        {
            throw QuhaoError(.unitDuplicate, ["uscc": checked.uscc, "name": try clash["name"], "field": UnitDraft.Field.uscc.rawValue])
        }
        if checked.licence != unit.licence { try licenceIsFree(db, site: unit.siteID, checked.licence, except: unit.id) }
        var changed: [String] = []
        func note(_ field: UnitDraft.Field, _ same: Bool) { if !same { changed.append(field.rawValue) } }
        note(.name, checked.name == unit.name)
        note(.uscc, checked.uscc == unit.uscc)
        note(.licence, checked.licence == unit.licence)
        note(.address, checked.address == unit.address)
        note(.type, checked.type == unit.type)
        note(.risk, checked.risk == unit.risk)
        note(.contactName, checked.contactName == unit.contactName)
        note(.contactPhone, checked.contactPhone == unit.contactPhone)
        note(.kitchenMode, checked.kitchenMode == unit.kitchenMode)
        note(.cameraURL, checked.cameraURL == unit.cameraURL)
        note(.active, checked.active == unit.active)
        note(.area, checked.area == unit.area)
        guard !changed.isEmpty else { return existing }
        try db.execute(
            """
            UPDATE units SET name = ?, uscc = ?, licence = ?, address = ?, type = ?, risk = ?, contact_name = ?, contact_phone = ?,
                kitchen_mode = ?, camera_url = ?, active = ?, area = ?, updated_at = ? WHERE id = ?
            """,
            [
                checked.name, checked.uscc, checked.licence, checked.address, checked.type.rawValue, checked.risk.rawValue, checked.contactName,
                checked.contactPhone, checked.kitchenMode.rawValue, checked.cameraURL, checked.active, checked.area, now, unit.id,
            ])
        try log(db, unit: unit.id, now, "update", initiator, changed.joined(separator: ","))
        return try fetchUnit(db, id: unit.id)
    }

    static func fetchUnit(_ db: any SQLDatabase, id: CanteenUnit.ID) throws -> RegisteredUnit {
        guard let row = try db.row("SELECT * FROM units WHERE id = ?", [id]) else {
            throw QuhaoError(.unitNotFound, ["unit": String(id)])
        }
        return try registered(row)
    }

    static func registered(_ row: SQLRow) throws -> RegisteredUnit {
        guard let type = UnitType(rawValue: try row["type"]), let risk = RiskLevel(rawValue: try row["risk"]),
            let kitchen = KitchenMode(rawValue: try row["kitchen_mode"])
        else { throw QuhaoError(.internalError, ["reason": "unit \(try row["id"] as Int64) has an unknown type, risk or kitchen mode"]) }
        let unit = CanteenUnit(
            id: try row["id"], siteID: try row["site_id"], name: try row["name"], uscc: try row["uscc"], licence: try row["licence"],
            address: try row["address"],
            type: type, risk: risk, contactName: try row["contact_name"], contactPhone: try row["contact_phone"], kitchenMode: kitchen,
            cameraURL: try row["camera_url"], active: try row["active"], area: try row["area"],
            grade: (try row["grade"] as String?).flatMap(UnitGrade.init), gradeSetAt: try row["grade_set_at"])
        return RegisteredUnit(unit: unit, posterToken: try row["poster_token"], privateToken: try row["private_token"])
    }

    static func log(_ db: any SQLDatabase, unit: CanteenUnit.ID, _ at: Date, _ action: String, _ initiator: Initiator, _ detail: String?) throws {
        try db.execute(
            "INSERT INTO unit_events (unit_id, at, action, initiator, detail) VALUES (?, ?, ?, ?, ?)",
            [unit, at, action, initiator.description, detail])
    }
}

extension InspectionStore {
    // MARK: - The on-site code

    /// Seconds each on-site code lasts; the one before is still accepted (a scan at the turn of a minute).
    public static let codeWindow: TimeInterval = 60

    /// The code a unit's own screen shows now (`/u/{token}/code`): six digits, an HMAC of the
    /// office's unit key over the unit and the minute, so a photo of it is worthless a minute later,
    /// unlike a photo of the printed poster.
    /// - Returns: The code and the seconds until it changes.
    public func onSiteCode(unitToken: String) async throws -> (code: String, refreshIn: Int) {
        let unit = try await unit(token: unitToken, as: .private).unit
        let key = try await read { db in try UnitTokens.key(db, site: unit.siteID) }
        let now = clock.now().timeIntervalSince1970
        let window = Int64(now / Self.codeWindow)
        return (
            UnitTokens.code(unit: unit.id, window: window, key: key), Int(Self.codeWindow - now.truncatingRemainder(dividingBy: Self.codeWindow)) + 1
        )
    }
}

extension UnitTokens {
    /// Six digits for a unit and a minute.
    static func code(unit: CanteenUnit.ID, window: Int64, key: Data) -> String {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Data("onsite:\(unit):\(window)".utf8), using: SymmetricKey(data: key)))
        let number = (UInt32(mac[0]) << 24 | UInt32(mac[1]) << 16 | UInt32(mac[2]) << 8 | UInt32(mac[3])) % 1_000_000
        return String(format: "%06d", number)
    }

    /// Whether a code is the unit's for this minute or the one before (compared in constant time).
    static func isValid(_ typed: String, unit: CanteenUnit.ID, at date: Date, key: Data) -> Bool {
        guard typed.utf8.count == 6, typed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        let window = Int64(date.timeIntervalSince1970 / InspectionStore.codeWindow)
        var matched = false
        for candidate in [window, window - 1] {
            let expected = Array(code(unit: unit, window: candidate, key: key).utf8)
            // Both six ASCII digits: compare every byte, whatever matches first.
            var difference: UInt8 = 0
            for (a, b) in zip(expected, Array(typed.utf8)) { difference |= a ^ b }
            if difference == 0 { matched = true }
        }
        return matched
    }
}
