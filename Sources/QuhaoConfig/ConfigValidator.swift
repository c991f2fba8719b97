import Foundation
import QuhaoCore

/// Checks what decoding cannot: ranges, formats, uniqueness, references between entries.
enum ConfigValidator {
    static func validate(_ file: ConfigFile) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ condition: Bool, _ path: String, _ reason: String) {
            if !condition { issues.append(ConfigIssue(path, reason)) }
        }

        if let server = file.server {
            if let port = server.port { check((1...65535).contains(port), "server.port", "must be between 1 and 65535") }
            if let host = server.host { check(!host.isEmpty, "server.host", "must not be empty") }
            if let seconds = server.idleTimeoutSeconds {
                check((1...60).contains(seconds), "server.idle_timeout_seconds", "must be between 1 and 60")
            }
            if let cap = server.maxConnectionsPerAddress {
                check(cap >= 0, "server.max_connections_per_address", "must be 0 (no cap) or more")
            }
            if let url = server.publicURL {
                let parsed = URL(string: url)
                check(
                    parsed?.host != nil && ["http", "https"].contains(parsed?.scheme ?? ""), "server.public_url",
                    "must be an http:// or https:// address, like https://quhao.example.gov.cn")
            }
            if let level = server.logLevel {
                check(
                    ServerSettings.logLevels.contains(level), "server.log_level", "must be one of \(ServerSettings.logLevels.joined(separator: ", "))"
                )
            }
            if let format = server.logFormat { check(["text", "json"].contains(format), "server.log_format", "must be text or json") }
            if let tls = server.tls {
                check(!tls.certificate.isEmpty, "server.tls.certificate", "must name the certificate's PEM file")
                check(!tls.key.isEmpty, "server.tls.key", "must name the private key's PEM file")
                // Named with every other problem (their contents are read by check-config once the rest is right).
                for (name, file) in [("certificate", tls.certificate), ("key", tls.key)] where !file.isEmpty {
                    check(
                        FileManager.default.isReadableFile(atPath: file), "server.tls.\(name)",
                        "cannot read \(file) (no such file, or not readable by this user)")
                }
            }
            for (index, entry) in (server.trustedProxies ?? []).enumerated() {
                check(
                    IPNetwork(entry) != nil, "server.trusted_proxies[\(index)]",
                    "\"\(entry)\" is not an address or a network (like 10.0.0.5, 10.0.0.0/8 or 2001:db8::/32)")
            }
        }
        if let backups = file.backups {
            check(BackupSchedule.parseTime(backups.time) != nil, "backups.time", "must be a time of day HH:MM, like 02:30")
            check(!backups.directory.isEmpty, "backups.directory", "must not be empty")
            if let keep = backups.keep { check((1...366).contains(keep), "backups.keep", "must be between 1 and 366") }
            if let zone = backups.timeZone {
                check(TimeZone(identifier: zone) != nil, "backups.time_zone", "unknown time zone \"\(zone)\" (use an IANA name like Asia/Shanghai)")
            }
        }
        if let days = file.retention?.personalDataDays {
            check((1...3650).contains(days), "retention.personal_data_days", "must be between 1 and 3650 days")
        }
        if let path = file.database?.path { check(!path.isEmpty, "database.path", "must not be empty") }
        if let url = file.database?.url {
            check(ServerSettings.isDatabaseURL(url), "database.url", "must be a URL like postgres://quhao@db.example:5432/quhao?sslmode=require")
            check(file.database?.path == nil, "database.url", "give database.path (SQLite) or database.url (PostgreSQL), not both")
            let userInfo = URLComponents(string: url)?.password
            check(userInfo == nil, "database.url", "must not hold the password: set QUHAO_DATABASE_PASSWORD or QUHAO_DATABASE_PASSWORD_FILE")
        }
        if let directory = file.database?.directory { check(!directory.isEmpty, "database.directory", "must not be empty") }
        check(!file.sites.isEmpty, "sites", "needs at least one site")

        var siteIDs: Set<String> = []
        for (s, site) in file.sites.enumerated() {
            let at = "sites[\(s)]"
            check(isSlug(site.id), "\(at).id", "must be lower-case letters, digits and hyphens (at most 32), like qiantang")
            check(siteIDs.insert(site.id).inserted, "\(at).id", "duplicate site id \"\(site.id)\"")
            check(!site.name.zh.isEmpty, "\(at).name.zh", "must not be empty")
            if let zone = site.timeZone {
                check(TimeZone(identifier: zone) != nil, "\(at).time_zone", "unknown time zone \"\(zone)\" (use an IANA name like Asia/Shanghai)")
            }
            if let rules = site.rules {
                if let value = rules.priorityBurst { check(value >= 1, "\(at).rules.priority_burst", "must be at least 1") }
                if let value = rules.recallsBeforeNoShow { check(value >= 0, "\(at).rules.recalls_before_no_show", "must not be negative") }
                if let value = rules.noShowGraceSeconds { check(value >= 0, "\(at).rules.no_show_grace_seconds", "must not be negative") }
                if let value = rules.reactivationOffset { check(value >= 0, "\(at).rules.reactivation_offset", "must not be negative") }
            }
            check(!site.services.isEmpty, "\(at).services", "needs at least one business type")
            var serviceIDs: Set<String> = []
            var prefixes: Set<String> = []
            for (v, service) in site.services.enumerated() {
                let sat = "\(at).services[\(v)]"
                check(isSlug(service.id), "\(sat).id", "must be lower-case letters, digits and hyphens (at most 32), like invoice")
                check(serviceIDs.insert(service.id).inserted, "\(sat).id", "duplicate business type id \"\(service.id)\"")
                let isLetter = service.prefix.count == 1 && service.prefix.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }
                check(isLetter, "\(sat).prefix", "must be one letter A–Z")
                if isLetter {
                    check(prefixes.insert(service.prefix).inserted, "\(sat).prefix", "prefix \"\(service.prefix)\" is used twice in this site")
                }
                check(!service.name.zh.isEmpty, "\(sat).name.zh", "must not be empty")
                if let cap = service.dailyCap { check(cap >= 1, "\(sat).daily_cap", "must be at least 1") }
                if let minutes = service.serviceMinutes {
                    check(minutes > 0 && minutes <= 600, "\(sat).service_minutes", "must be more than 0 and at most 600")
                }
                if let hours = service.hours { issues += validateHours(hours, at: "\(sat).hours") }
                if let booking = service.appointments {
                    let bat = "\(sat).appointments"
                    if let minutes = booking.slotMinutes { check((5...480).contains(minutes), "\(bat).slot_minutes", "must be between 5 and 480") }
                    if let capacity = booking.capacity { check((1...10_000).contains(capacity), "\(bat).capacity", "must be between 1 and 10000") }
                    if let days = booking.daysAhead { check((0...90).contains(days), "\(bat).days_ahead", "must be between 0 (today only) and 90") }
                    if let minutes = booking.cutoffMinutes {
                        check((0...10_080).contains(minutes), "\(bat).cutoff_minutes", "must be between 0 and 10080 (a week)")
                    }
                    if let hours = booking.hours { issues += validateHours(hours, at: "\(bat).hours") }
                    for (d, text) in (booking.closedDates ?? []).enumerated() {
                        check(BusinessDay(iso: text) != nil, "\(bat).closed_dates[\(d)]", "must be a date YYYY-MM-DD, like 2026-10-01")
                    }
                }
            }
            if let kiosk = site.kiosk {
                if let pin = kiosk.greenPIN {
                    check(
                        (4...8).contains(pin.count) && pin.allSatisfy { $0.isASCII && $0.isNumber }, "\(at).kiosk.green_pin",
                        "must be 4 to 8 digits (typed on the kiosk's keypad by a staff member)")
                }
                if let seconds = kiosk.idleSeconds { check((10...600).contains(seconds), "\(at).kiosk.idle_seconds", "must be between 10 and 600") }
                if let seconds = kiosk.resultSeconds { check((5...120).contains(seconds), "\(at).kiosk.result_seconds", "must be between 5 and 120") }
            }
            if let booking = site.booking {
                let bat = "\(at).booking"
                if let minutes = booking.checkInEarlyMinutes {
                    check((0...240).contains(minutes), "\(bat).check_in_early_minutes", "must be between 0 and 240")
                }
                if let limit = booking.noShowLimit {
                    check((0...100).contains(limit), "\(bat).no_show_limit", "must be between 0 (never barred) and 100")
                }
                if let days = booking.noShowWindowDays { check((1...366).contains(days), "\(bat).no_show_window_days", "must be between 1 and 366") }
                if let days = booking.barDays { check((1...366).contains(days), "\(bat).bar_days", "must be between 1 and 366") }
            }
            var hookIDs: Set<String> = []
            for (w, hook) in (site.webhooks ?? []).enumerated() {
                let wat = "\(at).webhooks[\(w)]"
                check(isSlug(hook.id), "\(wat).id", "must be lower-case letters, digits and hyphens (at most 32), like sms-gateway")
                check(hookIDs.insert(hook.id).inserted, "\(wat).id", "duplicate webhook id \"\(hook.id)\"")
                let parsed = URL(string: hook.url)
                check(
                    parsed?.host?.isEmpty == false && ["http", "https"].contains(parsed?.scheme ?? ""), "\(wat).url",
                    "must be an http:// or https:// address, like https://sms.example.gov.cn/quhao")
                check(hook.secret.count >= 16, "\(wat).secret", "must be at least 16 characters (the receiver checks signatures with it)")
                if let seconds = hook.timeoutSeconds { check((1...60).contains(seconds), "\(wat).timeout_seconds", "must be between 1 and 60") }
            }
            if let printer = site.printer {
                check(
                    PrinterTarget(printer.target) != nil, "\(at).printer.target",
                    "must be tcp://host:port (a network printer) or a device path like /dev/usb/lp0")
                // A file path outside /dev (a spool file) needs its folder; a device may be unplugged now.
                if case .device(let path)? = PrinterTarget(printer.target), !path.hasPrefix("/dev/") {
                    let folder = (path as NSString).deletingLastPathComponent
                    var isFolder: ObjCBool = false
                    check(
                        FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isFolder) && isFolder.boolValue,
                        "\(at).printer.target", "the folder \(folder) does not exist")
                }
                if let paper = printer.paper { check([58, 80].contains(paper), "\(at).printer.paper", "must be 58 or 80 (mm)") }
                if let qr = printer.qr { check(["raster", "native"].contains(qr), "\(at).printer.qr", "must be raster or native") }
                if let footer = printer.footer { check(footer.count <= 64, "\(at).printer.footer", "must be at most 64 characters") }
            }
            var counterIDs: Set<Int> = []
            for (c, counter) in site.counters.enumerated() {
                let cat = "\(at).counters[\(c)]"
                check(counter.id >= 1, "\(cat).id", "must be a window number from 1")
                check(counterIDs.insert(counter.id).inserted, "\(cat).id", "duplicate window number \(counter.id)")
                check(!counter.services.isEmpty, "\(cat).services", "needs at least one business type")
                var seen: Set<String> = []
                for (k, service) in counter.services.enumerated() {
                    check(serviceIDs.contains(service), "\(cat).services[\(k)]", "unknown business type \"\(service)\" (not in \(at).services)")
                    check(seen.insert(service).inserted, "\(cat).services[\(k)]", "\"\(service)\" is listed twice")
                }
            }
            validateInspection(site, at: at, serviceIDs: serviceIDs, check)
            if let notices = site.notices {
                let nat = "\(at).notices"
                if site.kind == .inspection {
                    check(notices.channels == [.sms], "\(nat).channels", "an inspection office texts its units: sms only")
                }
                check(!notices.channels.isEmpty, "\(nat).channels", "needs at least one channel: sms")
                if notices.channels.contains(.sms) {
                    check(file.notify?.sms != nil, "\(nat).channels", "sms needs notify.sms (the provider) in this file")
                }
                if notices.channels.contains(.wechat) {
                    check(file.notify?.wechat != nil, "\(nat).channels", "wechat needs notify.wechat (the official account) in this file")
                }
                if let places = notices.nearPlaces { check((0...50).contains(places), "\(nat).near_places", "must be between 0 and 50") }
                if let minutes = notices.nearMinutes { check((0...120).contains(minutes), "\(nat).near_minutes", "must be between 0 and 120") }
                if let seconds = notices.calledFreshSeconds {
                    check((30...1800).contains(seconds), "\(nat).called_fresh_seconds", "must be between 30 and 1800")
                }
                if let seconds = notices.nearFreshSeconds {
                    check((60...3600).contains(seconds), "\(nat).near_fresh_seconds", "must be between 60 and 3600")
                }
                if let most = notices.maxPerTicket { check((1...10).contains(most), "\(nat).max_per_ticket", "must be between 1 and 10") }
                if let minutes = notices.bookingReminderMinutes {
                    check((5...2880).contains(minutes), "\(nat).booking_reminder_minutes", "must be between 5 and 2880")
                }
                if let days = notices.findingDueDays { check((0...30).contains(days), "\(nat).finding_due_days", "must be between 0 and 30") }
                if (notices.kinds ?? []).contains(.code) {
                    check(false, "\(nat).kinds", "code is sent only when a visitor asks for one, never configured")
                }
                let prefixes = Set(site.services.map { $0.prefix.uppercased() })
                for key in (notices.services ?? [:]).keys.sorted() {
                    check(
                        serviceIDs.contains(key) || prefixes.contains(key.uppercased()), "\(nat).services.\(key)",
                        "unknown business type \"\(key)\" (not in \(at).services)")
                }
                // What this kind of site can send at all (a tax hall has no findings, an office no tickets to call).
                let possible = site.kind == .inspection ? NoticeRules.Kind.forOffices : NoticeRules.Kind.forHalls
                let foreign = Set((notices.kinds ?? []) + (notices.services ?? [:]).values.flatMap { $0 }).subtracting(possible).subtracting([.code])
                check(
                    foreign.isEmpty, "\(nat).kinds",
                    "\(foreign.sorted().map(\.rawValue).joined(separator: ", ")) cannot be sent by \(site.kind == .inspection ? "an inspection office" : "a tax hall")"
                        + " (it sends \(possible.sorted().map(\.rawValue).joined(separator: ", ")))")
                if notices.channels.contains(.sms), let sms = file.notify?.sms, Self.usesTemplate(sms) {
                    // A provider that takes approved templates gets the kind's code: one for every kind this site sends.
                    let used = Set((notices.kinds ?? Array(possible)) + (notices.services ?? [:]).values.flatMap { $0 }).intersection(possible)
                        .union(site.kind == .inspection ? [] : [.code])
                    let missing = used.filter { sms.templates?[$0.rawValue]?.isEmpty ?? true }
                    check(
                        missing.isEmpty, "notify.sms.templates",
                        "no template code for \(missing.sorted().map(\.rawValue).joined(separator: ", ")) (\(at) sends them, and the request uses {{template}})"
                    )
                }
            }
        }
        if let sms = file.notify?.sms {
            if let most = sms.perMinute { check((1...6000).contains(most), "notify.sms.per_minute", "must be between 1 and 6000") }
            if let seconds = sms.timeoutSeconds { check((1...60).contains(seconds), "notify.sms.timeout_seconds", "must be between 1 and 60") }
            check(sms.keyEnv == nil || sms.keyFile == nil, "notify.sms.key_env", "give key_env or key_file, not both")
        }
        if let wechat = file.notify?.wechat {
            check(!wechat.appID.isEmpty, "notify.wechat.app_id", "must be the official account's AppID (wx…)")
            check(!wechat.templateID.isEmpty, "notify.wechat.template_id", "must be the subscription message's template id")
            if let most = wechat.perMinute { check((1...6000).contains(most), "notify.wechat.per_minute", "must be between 1 and 6000") }
            if let seconds = wechat.timeoutSeconds { check((1...60).contains(seconds), "notify.wechat.timeout_seconds", "must be between 1 and 60") }
        }
        return issues
    }

    /// An inspection office needs a checklist (codes unique, texts given), queue services for
    /// routine and re-inspection requests, and sane deadlines and photo limits; a tax hall has none of it.
    /// Opening hours or booking hours: at least one day and one period, periods well formed and not overlapping.
    static func validateHours(_ hours: ConfigFile.Hours, at path: String) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        if hours.days.isEmpty { issues.append(ConfigIssue("\(path).days", "needs at least one day")) }
        if hours.periods.isEmpty { issues.append(ConfigIssue("\(path).periods", "needs at least one period, like \"08:30-12:00\"")) }
        var valid: [(index: Int, period: OpeningHours.Period)] = []
        for (p, text) in hours.periods.enumerated() {
            guard let period = ConfigFile.parsePeriod(text) else {
                issues.append(ConfigIssue("\(path).periods[\(p)]", "must be \"HH:MM-HH:MM\" with the start before the end, like \"08:30-12:00\""))
                continue
            }
            valid.append((p, period))
        }
        // Periods may be written in any order, but may not overlap.
        let ordered = valid.sorted { $0.period.start < $1.period.start }
        for (earlier, later) in zip(ordered, ordered.dropFirst()) where later.period.start < earlier.period.end {
            let offender = max(earlier.index, later.index)
            issues.append(ConfigIssue("\(path).periods[\(offender)]", "overlaps periods[\(min(earlier.index, later.index))]"))
        }
        return issues
    }

    static func validateInspection(
        _ site: ConfigFile.SiteEntry, at: String, serviceIDs: Set<String>, _ check: (Bool, String, String) -> Void
    ) {
        guard site.kind == .inspection else {
            check(site.inspection == nil, "\(at).inspection", "only an inspection office (kind: inspection) has a checklist")
            return
        }
        guard let inspection = site.inspection else {
            check(false, "\(at).inspection", "an inspection office needs an inspection section with its checklist")
            return
        }
        let iat = "\(at).inspection"
        for (key, service) in [
            ("routine_service", inspection.routineService ?? "routine"), ("reinspection_service", inspection.reinspectionService ?? "recheck"),
        ] {
            check(serviceIDs.contains(service), "\(iat).\(key)", "unknown business type \"\(service)\" (not in \(at).services)")
        }
        if let rule = inspection.resultRule {
            if let value = rule.generalFailuresAllowed { check(value >= 0, "\(iat).result_rule.general_failures_allowed", "must not be negative") }
            if let value = rule.keyFailuresAllowed { check(value >= 0, "\(iat).result_rule.key_failures_allowed", "must not be negative") }
        }
        if let days = inspection.rectificationDays {
            if let value = days.key { check((0...365).contains(value), "\(iat).rectification_days.key", "must be 0 to 365 days") }
            if let value = days.general { check((0...365).contains(value), "\(iat).rectification_days.general", "must be 0 to 365 days") }
        }
        if let photos = inspection.photos {
            if let value = photos.maxMB { check(value > 0 && value <= 50, "\(iat).photos.max_mb", "must be more than 0 and at most 50") }
            if let value = photos.perSubmission { check((1...20).contains(value), "\(iat).photos.per_submission", "must be 1 to 20") }
        }
        for (key, value) in inspection.visitsPerYear ?? [:] {
            check(RiskLevel(text: key) != nil, "\(iat).visits_per_year.\(key)", "risk levels are A, B, C and D")
            check((0...12).contains(value), "\(iat).visits_per_year.\(key)", "must be 0 to 12 visits a year")
        }
        if let minimum = inspection.minimumInspectors {
            if let value = minimum.onSite { check((1...5).contains(value), "\(iat).minimum_inspectors.on_site", "must be 1 to 5") }
            if let value = minimum.remoteVideo { check((1...5).contains(value), "\(iat).minimum_inspectors.remote_video", "must be 1 to 5") }
        }
        if let grading = inspection.grading {
            if let basis = grading.basis {
                check(GradeRule.Basis(rawValue: basis) != nil, "\(iat).grading.basis", "must be latest or worst, not \"\(basis)\"")
            }
            if let value = grading.ofLast {
                check((1...10).contains(value), "\(iat).grading.of_last", "must be 1 to 10")
                check(grading.basis == "worst" || value == 1, "\(iat).grading.of_last", "reads more than one result only with basis: worst")
            }
            for (result, face) in grading.faces ?? [:] {
                check(
                    InspectionResult(rawValue: result) != nil, "\(iat).grading.faces.\(result)",
                    "results are compliant, basically_compliant, non_compliant")
                check(UnitGrade(rawValue: face) != nil, "\(iat).grading.faces.\(result)", "faces are good, fair and poor, not \"\(face)\"")
            }
        }
        if let value = inspection.complaintsPerDevicePerDay {
            check((1...50).contains(value), "\(iat).complaints_per_device_per_day", "must be 1 to 50")
        }
        check(!inspection.checklist.isEmpty, "\(iat).checklist", "needs at least one item")
        var codes: Set<String> = []
        for (i, item) in inspection.checklist.enumerated() {
            let cat = "\(iat).checklist[\(i)]"
            let code = item.code.trimmingCharacters(in: .whitespaces)
            check(!code.isEmpty && code.count <= 16, "\(cat).code", "must be 1 to 16 characters, like 3.2")
            check(codes.insert(code).inserted, "\(cat).code", "duplicate item code \"\(code)\"")
            check(!item.section.zh.isEmpty, "\(cat).section.zh", "must not be empty")
            check(!item.text.zh.isEmpty, "\(cat).text.zh", "must not be empty")
        }
    }

    static func isSlug(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 32 else { return false }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-")
        return CharacterSet.alphanumerics.contains(first) && first != "-" && text.unicodeScalars.allSatisfy(allowed.contains)
    }

    /// Whether the provider's request carries `{{template}}` (an approved template's code).
    static func usesTemplate(_ sms: ConfigFile.SMSEntry) -> Bool {
        ([sms.url, sms.body] + (sms.headers ?? []).map(\.value)).contains { $0.contains(/\{\{\s*template\s*\}\}/) }
    }
}
