import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// `/admin/webhooks`: each webhook endpoint's delivery state (admins only), the page twin of
/// `quhao webhooks status`.
struct AdminPages {
    let services: AppDependencies
    let templates: Templates

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("webhooks", use: webhooks)
        return routes
    }

    @Sendable func webhooks(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal: Principal
        do {
            principal = try await StaffAuth.requireAdmin(request, services: services)
        } catch let error as QuhaoError where error.code == .authRequired {
            return StaffPages.toLogin(request)
        }
        let language = request.language
        let (t, _) = Templates.strings(language)
        let now = services.clock.now()
        let urls = try await services.store.siteIDs().asyncMap { siteID in
            try await services.store.site(siteID).webhooks.map { ("\(siteID)/\($0.id)", $0.url) }
        }.flatMap { $0 }
        let url = Dictionary(urls, uniquingKeysWith: { first, _ in first })
        let rows = try await services.store.webhookStatus().map { row -> [String: Any] in
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
        return templates.staffPage("admin-webhooks", request, data)
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
