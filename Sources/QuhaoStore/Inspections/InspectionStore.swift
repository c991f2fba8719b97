import Crypto
import Foundation
import QuhaoCore

/// Canteen inspections, kept in the queue's database: the units under supervision with their
/// signed tokens, checklist versions, inspections and their findings.
///
/// An inspection requested by a unit holds a place in the office's queue as an ordinary ticket
/// (same numbering, board and call engine); commands that move both do so in one transaction
/// through the ticket store, and a trigger keeps the inspection's status with its ticket's state.
public struct InspectionStore: StorageAccess {
    let tickets: TicketStore
    var writer: any StoreEngine { tickets.writer }
    var clock: any QuhaoClock { tickets.clock }

    /// The inspection office a command acts in.
    /// - Throws: `site.not_found` when the site is unknown or is not an inspection office.
    static func office(_ db: any SQLDatabase, _ siteID: String, sites: SiteDefinitions) throws -> (Site, InspectionRules) {
        let site = try sites.load(db, siteID)
        guard site.kind == .inspection, let rules = site.inspection else { throw QuhaoError(.siteNotFound, ["site": siteID]) }
        return (site, rules)
    }
}

extension TicketStore {
    /// Canteen units, inspections and findings in this store's database.
    public var inspections: InspectionStore { InspectionStore(tickets: self) }

    /// The name a site's unit-token key is kept under.
    static func unitSecretName(_ site: String) -> String { "units:\(site)" }
}

/// Which of a unit's two tokens.
public enum UnitTokenKind: String, Sendable, CaseIterable {
    /// On the poster at the premises (公示): anyone may read it; a signed-in inspector checks in with it.
    case poster
    /// Handed to the unit's contact: lets the unit act.
    case `private`
}

/// A unit's tokens: an HMAC of the site's unit key over (kind, site, unit, version), 128 bits in
/// base64url. Rotating a token raises its version, so what was printed with the old one stops working.
enum UnitTokens {
    static func make(_ kind: UnitTokenKind, site: String, unit: CanteenUnit.ID, version: Int, key: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(kind.rawValue):\(site):\(unit):\(version)".utf8), using: SymmetricKey(data: key))
        return Data(Array(mac).prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The site's unit key, made by ``TicketStore/sync(sites:)``.
    static func key(_ db: any SQLDatabase, site: String) throws -> Data {
        guard let key = try db.value(Data.self, "SELECT value FROM secrets WHERE name = ?", [TicketStore.unitSecretName(site)])
        else { throw QuhaoError(.siteNotFound, ["site": site]) }
        return key
    }

    /// Whether a text can be a token at all (checked before it reaches a query).
    static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 22
            && text.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F
            }
    }
}
