import Foundation
import Hummingbird
import LiveBoard
import QuhaoCore
import QuhaoFormats
import QuhaoStore

/// The admin's hall pages: `/admin`, the figures dashboard (today or a chosen range, charts drawn
/// as inline SVG by the server), and `/admin/webhooks`, each webhook endpoint's delivery state
/// (the page twin of `quhao webhooks status`). Admins only.
struct AdminPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(use: dashboard)
        routes.get("webhooks", use: webhooks)
        routes.get("district", use: district)
        return routes
    }

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await StaffAuth.adminOfPage(request, services: services) else { return StaffPages.toLogin(request) }
        let language = request.language
        let (t, _) = Templates.strings(language)
        let query = request.uri.queryParameters
        let halls = try await services.allSites().filter { $0.kind == .taxHall }
        let range = try await ReportsAPI.range(query.get("site"), query.get("from"), query.get("to"), services: services)
        guard let site = halls.first(where: { $0.id == range.site }) else { throw QuhaoError(.siteNotFound, ["site": range.site]) }
        guard principal.administers(site.id) else { throw QuhaoError(.authForbidden) }
        let store = services.store
        let byHour = try await store.reports.tickets(range, group: .hour)
        let byService = try await store.reports.output(.tickets, range, group: .service)
        let windows = try await store.reports.windows(range)
        let staff = try await store.reports.output(.staff, range)
        let ratings = try await store.reports.ratings(range)
        let total = byHour.total
        // Hours from the first to the last with arrivals, none skipped (a quiet hour is a zero, not a gap).
        let hours = byHour.rows.compactMap { Int($0.key) }
        let span = (hours.min() ?? 8)...(max(hours.max() ?? 17, hours.min() ?? 8))
        let row = Dictionary(uniqueKeysWithValues: byHour.rows.map { (Int($0.key) ?? 0, $0.figures) })
        let arrivals = Charts.barsAndLine(
            id: "arrivals", title: "\(t["admin_chart_arrivals"] ?? "") · \(range.period)", labels: span.map { String(format: "%02d", $0) },
            bars: span.map { Double(row[$0]?.issued ?? 0) }, barName: t["admin_chart_arrived"] ?? "",
            line: span.map { row[$0]?.waitAverageSeconds.map { $0 / 60 } }, lineName: t["admin_chart_wait"] ?? "")
        let served = windows.rows.filter { $0.figures.serviceAverageSeconds != nil }
        let serviceChart = Charts.horizontalBars(
            id: "service-times", title: t["admin_chart_service"] ?? "", labels: served.map(\.label),
            values: served.map { (($0.figures.serviceAverageSeconds ?? 0) / 6).rounded() / 10 }, unit: language == .en ? "min" : "分钟")
        func minutes(_ seconds: Double?) -> String { seconds.map { String(format: "%.1f", $0 / 60) } ?? "—" }
        let waiting = services.board.builtSnapshot(site.id).map { snapshot in
            snapshot.day.tickets.filter { $0.state == .waiting || $0.state == .remote }.count
        }
        let csv = { (kind: ReportKind) in
            "/api/v1/reports/\(kind.rawValue)?site=\(range.site)&from=\(range.from.iso)&to=\(range.to.iso)&format=csv"
        }
        func table(_ table: ReportTable, _ kind: ReportKind, group: ReportGroup? = nil) -> [String: Any] {
            [
                "title": table.title, "csv": csv(kind) + (group.map { "&group=\($0.rawValue)" } ?? ""),
                "columns": table.columns.map { ["zh": $0.zh, "en": $0.en] }, "rows": table.rows.map { ["cells": $0] },
            ]
        }
        let today = site.businessDay(at: services.clock.now())
        let data: [String: Any] = [
            "title": t["admin_dashboard_title"] ?? "", "siteName": site.name.text(language), "user": principal.name, "site": site.id,
            "halls": halls.map { ["id": $0.id, "name": $0.name.text(language), "selected": $0.id == site.id] }, "manyHalls": halls.count > 1,
            "from": range.from.iso, "to": range.to.iso, "period": range.period,
            "today": today.iso, "weekAgo": today.adding(days: -6).iso, "monthStart": BusinessDay(year: today.year, month: today.month, day: 1)!.iso,
            "issued": total.issued, "served": total.served, "noShow": total.noShow, "cancelled": total.cancelled, "expired": total.expired,
            "inHall": total.issuedInHall, "remote": total.issuedRemote, "byStaff": total.issuedByStaff,
            "waitAverage": minutes(total.waitAverageSeconds), "waitP50": total.waitP50Minutes.map(String.init) ?? "—",
            "waitP90": total.waitP90Minutes.map(String.init) ?? "—", "serviceAverage": minutes(total.serviceAverageSeconds),
            "walkAverage": minutes(total.walkAverageSeconds), "ratingAverage": ratings.average.map { String(format: "%.2f", $0) } ?? "—",
            "ratings": ratings.count, "waitingNow": waiting.map(String.init) ?? "—", "isToday": range.from == today && range.to == today,
            "arrivalsChart": arrivals, "serviceChart": serviceChart, "hasServiceChart": !served.isEmpty,
            "tables": [
                table(byService.table, .tickets, group: .service), table(windows.table, .windows), table(staff.table, .staff),
            ],
            "ratingLevels": ratings.levels.map { ["score": $0.score, "label": $0.label, "count": $0.count] },
            "bad": ratings.bad.map { bad in
                [
                    "number": bad.number, "day": bad.day, "time": bad.time, "score": bad.score,
                    "service": site.service(bad.service).map { "\($0.prefix) \($0.name.text(language))" } ?? bad.service,
                    "window": bad.counter.map(String.init) ?? "—", "staff": bad.staffName ?? bad.staff ?? "—",
                ] as [String: Any]
            },
            "hasBad": !ratings.bad.isEmpty, "ratingsCSV": csv(.ratings), "ticketsCSV": csv(.tickets), "district": principal.siteID == nil,
        ]
        return try await services.staffPage(templates, "admin-reports", request, principal, data)
    }

    /// `/admin/district`: every site at once, for an admin of the whole instance (a hall's admin
    /// is refused): each hall's waiting, oldest wait and windows open, from the live boards (on a
    /// city's database every daemon's board follows every daemon's changes); each office's figures.
    @Sendable func district(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await StaffAuth.adminOfPage(request, services: services) else { return StaffPages.toLogin(request) }
        guard principal.siteID == nil else { throw QuhaoError(.authForbidden) }
        let language = request.language
        let (t, _) = Templates.strings(language)
        let now = services.clock.now()
        let sites = try await services.allSites()
        var halls: [[String: Any]] = []
        var offices: [[String: Any]] = []
        for site in sites {
            let day = try await services.board.snapshot(site.id).day
            let waiting = day.tickets.filter { $0.state == .waiting || $0.state == .remote }
            let oldest = waiting.map(\.issuedAt).min().map { String(Int(now.timeIntervalSince($0) / 60)) } ?? "—"
            switch site.kind {
            case .taxHall:
                halls.append([
                    "id": site.id, "name": site.name.text(language), "waiting": waiting.count, "oldest": oldest,
                    "open": day.counters.filter { !$0.paused }.count, "windows": day.counters.count, "issued": day.tickets.count,
                    "served": day.tickets.filter { $0.state == .done }.count,
                ])
            case .inspection:
                let figures = try await services.store.inspections.summary(site: site.id, from: nil, to: nil)
                offices.append([
                    "id": site.id, "name": site.name.text(language), "inspected": figures.total.unitsInspected, "findings": figures.total.findings,
                    "rectified": figures.total.rectified, "rate": figures.total.rectificationRate.map { String(format: "%.1f %%", $0) } ?? "—",
                    "open": figures.open, "overdue": figures.overdue, "waiting": waiting.count,
                ])
            }
        }
        let data: [String: Any] = [
            "title": t["admin_district_title"] ?? "", "user": principal.name, "halls": halls, "hasHalls": !halls.isEmpty, "offices": offices,
            "hasOffices": !offices.isEmpty, "now": LocalTime.minute(now, in: sites.first?.zone ?? .current),
        ]
        return try await services.staffPage(templates, "admin-district", request, principal, data)
    }

    @Sendable func webhooks(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = try await StaffAuth.adminOfPage(request, services: services) else { return StaffPages.toLogin(request) }
        let language = request.language
        let (t, _) = Templates.strings(language)
        let now = services.clock.now()
        let urls = try await services.store.siteIDs().asyncMap { siteID in
            try await services.store.site(siteID).webhooks.map { ("\(siteID)/\($0.id)", $0.url) }
        }.flatMap { $0 }
        let url = Dictionary(urls, uniquingKeysWith: { first, _ in first })
        let rows = try await services.store.outbox.status().filter { principal.administers($0.siteID) }.map { row -> [String: Any] in
            let key = "\(row.siteID)/\(row.endpoint)"
            return [
                "site": row.siteID, "endpoint": row.endpoint, "url": url[key] ?? "（已从配置中移除 removed from the configuration）",
                "pending": row.pending, "oldest": Self.ago(row.oldestPending, now: now, language), "delivered": row.delivered,
                "lastSuccess": Self.ago(row.lastSuccess, now: now, language), "givenUp": row.givenUp, "failing": row.lastError != nil,
                "lastError": row.lastError ?? "", "lastErrorAt": Self.ago(row.lastErrorAt, now: now, language),
                "stuck": row.pending > 0 && row.lastError != nil,
            ]
        }
        let data: [String: Any] = [
            "title": t["admin_webhooks_title"] ?? "", "user": principal.name, "rows": rows, "none": rows.isEmpty,
        ]
        return try await services.staffPage(templates, "admin-webhooks", request, principal, data)
    }

    /// "3 分钟前 / 3 min ago"; "—" for never.
    static func ago(_ date: Date?, now: Date, _ language: Language) -> String {
        guard let date else { return "—" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch (seconds, language) {
        case (..<60, .zhCN): return "\(seconds) 秒前"
        case (..<60, _): return "\(seconds) s ago"
        case (..<7200, .zhCN): return "\(seconds / 60) 分钟前"
        case (..<7200, _): return "\(seconds / 60) min ago"
        case (_, .zhCN): return "\(seconds / 3600) 小时前"
        default: return "\(seconds / 3600) h ago"
        }
    }
}
