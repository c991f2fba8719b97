import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// The header every staff page shares: the pages the signed-in role may use, who is signed in,
/// the language switch (keeping the page's query) and sign-out (inspectors share phones).
/// It also decides where a role lands after signing in when no page was asked for.
enum StaffNav {
    struct Link: Sendable, Hashable {
        let href: String
        let label: String
    }

    /// The pages a principal may use, given the configured sites, in the page's language.
    static func links(for principal: Principal, sites: [Site], language: Language) -> [Link] {
        let (t, _) = Templates.strings(language)
        func text(_ key: String) -> String { t[key] ?? key }
        let mine = sites.filter { principal.siteID == nil || principal.siteID == $0.id }
        let halls = mine.filter { $0.kind == .taxHall }
        let offices = mine.filter { $0.kind == .inspection }
        // With one site of a kind its name adds nothing; with several, each link says which.
        func named(_ label: String, _ site: Site, among all: [Site]) -> String {
            all.count > 1 ? "\(label) · \(site.name.text(language))" : label
        }
        var links: [Link] = []
        switch principal.role {
        case .staff:
            links.append(Link(href: "/staff", label: text("nav_windows")))
        case .inspector:
            links.append(Link(href: "/inspect", label: text("nav_inspect")))
        case .admin:
            for office in offices {
                links.append(Link(href: "/admin/inspections?site=\(office.id)", label: named(text("nav_figures"), office, among: offices)))
                links.append(Link(href: "/admin/units?site=\(office.id)", label: named(text("nav_units"), office, among: offices)))
                links.append(Link(href: "/admin/due?site=\(office.id)", label: named(text("nav_due"), office, among: offices)))
                links.append(Link(href: "/admin/plans?site=\(office.id)", label: named(text("nav_plans"), office, among: offices)))
                links.append(
                    Link(href: "/admin/complaints?site=\(office.id)&state=open", label: named(text("nav_complaints"), office, among: offices)))
            }
            if !offices.isEmpty { links.append(Link(href: "/inspect", label: text("nav_inspect"))) }
            for hall in halls {
                links.append(Link(href: "/admin?site=\(hall.id)", label: named(text("nav_hall_figures"), hall, among: halls)))
            }
            if !halls.isEmpty {
                links.append(Link(href: "/staff", label: text("nav_windows")))
                links.append(Link(href: "/admin/webhooks", label: text("nav_webhooks")))
            }
        }
        return links
    }

    /// Where a role lands after signing in with no page asked for: an inspector on `/inspect`, an
    /// admin of an inspection office on its figures, an admin of a hall on its figures, staff at their windows.
    static func landing(role: StaffRole, siteID: String?, sites: [Site]) -> String {
        switch role {
        case .staff: return "/staff"
        case .inspector: return "/inspect"
        case .admin:
            let own = sites.first { $0.id == siteID }
            if let own { return own.kind == .inspection ? "/admin/inspections?site=\(own.id)" : "/admin?site=\(own.id)" }
            // An admin of every site: the halls' figures when there is a hall, else the first office's.
            if sites.contains(where: { $0.kind == .taxHall }) { return "/admin" }
            return sites.first.map { "/admin/inspections?site=\($0.id)" } ?? "/admin"
        }
    }

    /// The header's data for a page: the links (the current one marked), the user, the language switch.
    static func data(_ principal: Principal, sites: [Site], request: Request) -> [String: Any] {
        let language = request.language
        let path = request.uri.path
        let query = request.uri.queryParameters
        let links = links(for: principal, sites: sites, language: language)
        // The link whose path and site match the page best is the current one.
        let current = links.last { link in
            let parts = link.href.split(separator: "?", maxSplits: 1)
            guard path == parts[0] || (parts[0] != "/admin" && parts[0] != "/staff" && path.hasPrefix(parts[0] + "/")) else { return false }
            guard parts.count == 2, let site = parts[1].split(separator: "=").last else { return true }
            return query.get("site") == nil || query.get("site") == String(site)
        }
        let nav = links.map { link -> [String: Any] in
            ["href": StaffPages.withLanguage(link.href, request), "label": link.label, "current": link == current]
        }
        return ["nav": nav, "user": principal.name, "langHref": languageSwitch(request)]
    }

    /// This page in the other language: its path and query kept, `lang` switched.
    static func languageSwitch(_ request: Request) -> String {
        let other = request.language == .en ? Language.zhCN : .en
        var items = request.uri.queryParameters.filter { $0.key != "lang" }.map { "\($0.key)=\($0.value)" }
        items.append("lang=\(other.rawValue)")
        let query = items.joined(separator: "&").addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "lang=\(other.rawValue)"
        return request.uri.path + "?" + query
    }
}

extension AppDependencies {
    /// Every configured site, for the staff header and the sign-in landing.
    func allSites() async throws -> [Site] {
        var sites: [Site] = []
        for id in try await store.siteIDs() { sites.append(try await store.site(id)) }
        return sites
    }

    /// A staff page with the shared header (``StaffNav``) for its signed-in user.
    func staffPage(
        _ templates: Templates, _ name: String, _ request: Request, _ principal: Principal, _ data: [String: Any],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var header = StaffNav.data(principal, sites: try await allSites(), request: request)
        // The page's own title, and the site it is about when it names one other than the user.
        let title = data["title"] as? String ?? ""
        let site = data["siteName"] as? String
        header["heading"] = site.map { $0 == principal.name || $0 == title || $0.isEmpty ? title : "\($0) · \(title)" } ?? title
        return templates.staffPage(name, request, header.merging(data) { _, page in page }, status: status)
    }
}
