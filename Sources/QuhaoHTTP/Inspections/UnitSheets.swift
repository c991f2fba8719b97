import Foundation
import QRCode
import QuhaoCore
import QuhaoStore

/// A canteen unit's printed sheets, for the command line (`quhao qr unit U --poster|--private`) and
/// the admin's unit page alike: the public notice for the door (食品安全公示: the unit's name, its
/// latest result by the office, the QR of its poster page), and the private link's sheet for the
/// unit's contact, which says 仅限本单位使用，请勿张贴 and looks nothing like the notice. A deactivated
/// unit's notice says it is closed (停业/注销) instead of a result that no longer means anything.
public enum UnitSheets {
    /// The public facts a notice shows: the office's latest recorded result (never a self-inspection's).
    public static func latestResult(_ store: InspectionStore, unit: CanteenUnit.ID) async throws -> Inspection? {
        try await store.history(unit: unit).first { $0.kind != .selfInspection && $0.result != nil && $0.recordedAt != nil }
    }

    /// The sheet of one of a unit's two links.
    public static func sheet(_ kind: UnitTokenKind, unit: CanteenUnit, office: Site, latest: Inspection?) -> QRSheet {
        let catalogue = Catalogue.chinese
        func text(_ key: String, _ values: [String: String] = [:]) -> String {
            Catalogue.fill(catalogue.template("ui.sheet.\(key)") ?? "", with: values)
        }
        switch kind {
        case .private:
            return QRSheet(
                style: .privateLink, band: text("private_band"), bandNote: text("private_note"), heading: unit.name,
                lines: [text("private_use"), text("private_keep")], caption: text("private_caption"),
                footer: [text("office", ["office": office.name.zh])])
        case .poster:
            let facts = [unit.address, text("licence", ["licence": unit.licence]), unit.type.label.zh]
            guard unit.active else {
                return QRSheet(
                    style: .closed, band: text("notice_band"), bandNote: text("notice_note"), heading: unit.name, status: text("closed"),
                    lines: facts, caption: text("notice_caption_closed"), footer: [text("office", ["office": office.name.zh])])
            }
            let status =
                latest.flatMap { inspection in
                    inspection.result.map { result in
                        text(
                            "latest", ["day": office.businessDay(at: inspection.recordedAt ?? inspection.requestedAt).iso, "result": result.label.zh])
                    }
                } ?? text("never")
            // The grade at the door (量化分级), in words (a printer's fonts have no faces), with the day it was set.
            let grade = unit.grade.map { grade in
                text("grade", ["grade": grade.label.zh, "day": unit.gradeSetAt.map { office.businessDay(at: $0).iso } ?? ""])
            }
            return QRSheet(
                style: .publicNotice, band: text("notice_band"), bandNote: text("notice_note"), heading: unit.name,
                status: grade ?? status, lines: grade == nil ? facts : [status] + facts,
                caption: text("notice_caption"), footer: [text("office", ["office": office.name.zh]), text("hotline")])
        }
    }
}
