import Foundation
import QuhaoConfig
import QuhaoCore
import Testing

@Suite struct ConfigLoaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static var badConfigs: [String] {
        let directory = fixtures.appendingPathComponent("bad-configs")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func theBuiltInDemoIsTheShippedConfigAndValid() throws {
        let shipped = try String(contentsOf: Self.fixtures.appendingPathComponent("../../config/quhao.yaml"), encoding: .utf8)
        #expect(ConfigLoader.demoYAML == shipped)
        let file = try ConfigLoader.parse(ConfigLoader.demoYAML, source: "demo")
        let sites = file.domainSites
        #expect(sites.map(\.id) == ["qiantang", "canteen"])
        let hall = sites[0]
        #expect(hall.services.map(\.prefix) == ["A", "B", "C", "D", "E", "F", "G", "H"])
        #expect(hall.counters.map(\.id) == [1, 2, 3, 4, 5, 6])
        #expect(hall.timeZone == "Asia/Shanghai")
        #expect(hall.rules.priorityBurst == 2)
        #expect(sites[1].kind == .inspection)
    }

    @Test func thereAreAtLeastADozenBrokenConfigs() {
        #expect(Self.badConfigs.count >= 12)
    }

    /// Each fixture's first line says which path its one problem must name.
    @Test(arguments: badConfigs)
    func eachBrokenConfigGivesOneMessageNamingItsPath(_ name: String) throws {
        let path = Self.fixtures.appendingPathComponent("bad-configs/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = try #require(text.split(separator: "\n").first?.replacingOccurrences(of: "# expect: ", with: ""))
        do {
            // As check-config reads it: with an environment (here empty), so a secret not set is named too.
            _ = try ConfigLoader.load(path: path, environment: [:])
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.issues.count == 1, "\(error)")
            #expect(error.issues.first?.path == expected, "\(error)")
            #expect(error.description.hasPrefix(path + ": " + expected + ": "))
        }
    }

    /// Six typos of every kind are all named in one run (they took three rounds: a value that did
    /// not decode hid every other problem).
    @Test func everyProblemIsNamedInOneRun() throws {
        let text = """
            server:
              port: eighty
            sites:
              - id: hall
                name: { zh: 大厅 }
                time_zone: Asia/Shanghia
                rules: { priority_burst: 0 }
                services:
                  - { id: general, prefix: A, name: { zh: 综合 }, identity: usccx, daily_capp: 5 }
                  - { id: invoice, prefix: B, name: { zh: 发票 }, phone: mandatory }
                counters:
                  - { id: 1, services: [general, invoice] }
            """
        do {
            _ = try ConfigLoader.parse(text, source: "six.yaml")
            Issue.record("accepted")
        } catch {
            let paths = Set(error.issues.map(\.path))
            #expect(
                paths == [
                    "server.port", "sites[0].time_zone", "sites[0].rules.priority_burst", "sites[0].services[0].identity",
                    "sites[0].services[0].daily_capp", "sites[0].services[1].phone",
                ], "\(error)")
            #expect(error.issues.count == 6, "\(error)")
        }
    }

    /// A list entry missing what it needs is named with the other problems.
    @Test func anEntryMissingARequiredKeyIsNamedWithTheRest() throws {
        let text = """
            server: { port: eighty }
            sites:
              - id: hall
                name: { zh: 大厅 }
                services:
                  - { id: general, name: { zh: 综合 } }
                  - { id: invoice, prefix: B, name: { zh: 发票 }, phone: mandatory, colour: red }
                counters:
                  - { id: 1, services: [general, invoice] }
            """
        do {
            _ = try ConfigLoader.parse(text, source: "missing.yaml")
            Issue.record("accepted")
        } catch {
            let paths = Set(error.issues.map(\.path))
            #expect(paths == ["server.port", "sites[0].services[0].prefix", "sites[0].services[1].phone", "sites[0].services[1].colour"], "\(error)")
        }
    }

    /// A missing required key holds back no other check: the values elsewhere in the file, the
    /// checks between entries and the TLS files are all named in the same run (a sysadmin's file
    /// took two rounds: the missing `prefix` hid six value problems).
    @Test func aMissingRequiredKeyHidesNoOtherCheck() throws {
        let text = """
            server:
              trusted_proxies: ["10.0.0.0/33", "not-an-ip"]
              tls: { certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem }
              log_levle: info
            sites:
              - id: hall
                name: { zh: 测试厅 }
                printer: { target: "lpt://nowhere", paper: 57 }
                services:
                  - { id: general, prefix: AA, name: { zh: 综合 } }
                  - { id: invoice, prefx: B, name: { zh: 发票 } }
                counters:
                  - { id: 1, services: [general, nosuch] }
            """
        do {
            _ = try ConfigLoader.parse(text, source: "bad.yaml")
            Issue.record("accepted")
        } catch {
            let paths = Set(error.issues.map(\.path))
            #expect(
                paths == [
                    "sites[0].services[1].prefix", "sites[0].services[1].prefx", "server.log_levle", "server.trusted_proxies[0]",
                    "server.trusted_proxies[1]", "server.tls.certificate", "server.tls.key", "sites[0].services[0].prefix",
                    "sites[0].printer.target", "sites[0].printer.paper", "sites[0].counters[0].services[1]",
                ], "\(error)")
            #expect(error.issues.count == 11, "\(error)")
            #expect(!error.description.contains("\u{1}"), "the stand-in never shows")
        }
    }

    @Test func minimalConfigTakesTheDefaults() throws {
        let file = try ConfigLoader.load(path: Self.fixtures.appendingPathComponent("good-minimal.yaml").path)
        let site = try #require(file.domainSites.first)
        #expect(site.kind == .taxHall)
        #expect(site.timeZone == "Asia/Shanghai")
        #expect(site.rules == QueueRules())
        #expect(site.services[0].identity == .none)
        #expect(site.services[0].hours == nil)
        #expect(site.counters[0].callOrder == .serviceOrder)
    }

    @Test func hoursBecomePeriods() throws {
        let file = try ConfigLoader.parse(
            """
            sites:
              - id: hall
                name: { zh: 大厅 }
                services:
                  - id: general
                    prefix: A
                    name: { zh: 综合 }
                    hours: { days: [mon, fri], periods: ["13:30-17:00", "08:30-12:00"] }
                counters: [{ id: 1, services: [general] }]
            """, source: "inline")
        let hours = try #require(file.domainSites[0].services[0].hours)
        #expect(hours.days == [.mon, .fri])
        #expect(hours.periods.map(\.start.description) == ["08:30", "13:30"])
    }
}

@Suite struct ServerSettingsTests {
    @Test func defaultsThenFileThenEnvironmentThenFlags() throws {
        let file = try ConfigLoader.parse(
            """
            server: { host: 0.0.0.0, port: 9000 }
            database: { path: /var/lib/quhao/q.sqlite }
            sites: [{ id: hall, name: { zh: 大厅 }, services: [{ id: a, prefix: A, name: { zh: 综合 } }], counters: [] }]
            """, source: "inline")
        #expect(try ServerSettings.resolve(file: nil, environment: [:]) == .defaults)
        let fromFile = try ServerSettings.resolve(file: file, environment: [:])
        #expect(fromFile.port == 9000)
        #expect(fromFile.publicURL == "http://127.0.0.1:9000")
        #expect(fromFile.databasePath == "/var/lib/quhao/q.sqlite")
        let fromEnvironment = try ServerSettings.resolve(
            file: file, environment: ["QUHAO_PORT": "9100", "QUHAO_DATABASE": "/tmp/x.sqlite", "QUHAO_PUBLIC_URL": "https://q.example.cn/"])
        #expect(fromEnvironment.port == 9100)
        #expect(fromEnvironment.databasePath == "/tmp/x.sqlite")
        #expect(fromEnvironment.publicURL == "https://q.example.cn")
        let fromFlags = try ServerSettings.resolve(file: file, environment: ["QUHAO_PORT": "9100"], host: "127.0.0.1", port: 9200)
        #expect(fromFlags.port == 9200)
        #expect(fromFlags.host == "127.0.0.1")
    }

    @Test func aCityDatabaseIsAURLWithoutItsPasswordAndTheDaemonsFilesGoWhereSaid() throws {
        let site = "sites: [{ id: hall, name: { zh: 大厅 }, services: [{ id: a, prefix: A, name: { zh: 综合 } }], counters: [] }]"
        let city = try ConfigLoader.parse(
            "database: { url: \"postgres://quhao@db.example:5432/city?sslmode=require\", directory: /srv/quhao }\n" + site, source: "inline")
        let settings = try ServerSettings.resolve(file: city, environment: [:])
        #expect(settings.usesPostgres && settings.databasePath == "postgres://quhao@db.example:5432/city?sslmode=require")
        #expect(settings.dataDirectory == "/srv/quhao")
        let overridden = try ServerSettings.resolve(file: city, environment: ["QUHAO_DATABASE": "/tmp/hall.sqlite"])
        #expect(!overridden.usesPostgres && overridden.dataDirectory == "/srv/quhao")
        #expect(try ServerSettings.resolve(file: nil, environment: [:]).dataDirectory.hasSuffix("data"))
        func refusal(_ database: String) -> String {
            do {
                _ = try ConfigLoader.parse("database: \(database)\n" + site, source: "inline")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("{ url: \"postgres://quhao:secret@db.example/city\" }").contains("must not hold the password"))
        #expect(refusal("{ url: \"mysql://quhao@db.example/city\" }").contains("database.url"))
        #expect(refusal("{ url: \"postgres://quhao@db.example/city\", path: data/q.sqlite }").contains("not both"))
        // A mistyped scheme from the environment is no file's path: check-config and serve refuse it
        // (check-config said OK, and serve made a directory named after it before refusing).
        let typo = try ServerSettings.resolve(file: city, environment: ["QUHAO_DATABASE": "postgress://quhao@db.example/city"])
        #expect(typo.engineProblem?.contains("only an SQLite file's path or a postgres:// URL") == true)
        #expect(overridden.engineProblem == nil && settings.engineProblem == nil)
    }

    @Test func malformedEnvironmentIsNamed() {
        #expect(throws: ConfigError.self) { try ServerSettings.resolve(file: nil, environment: ["QUHAO_PORT": "eighty"]) }
    }
}

@Suite struct BackupScheduleTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    static func local(_ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = shanghai
        return calendar.date(from: DateComponents(year: 2026, month: 11, day: day, hour: hour, minute: minute, second: second))!
    }

    static let schedule = BackupSchedule(hour: 2, minute: 30, directory: "/b", keep: 3, timeZone: "Asia/Shanghai")

    @Test func theSectionBecomesAScheduleInTheFirstSitesZone() throws {
        let file = try ConfigLoader.parse(
            """
            backups: { time: "03:05", directory: /var/backups/quhao }
            sites:
              - id: hall
                name: { zh: 大厅 }
                time_zone: Asia/Urumqi
                services: [{ id: general, prefix: A, name: { zh: 综合 } }]
                counters: [{ id: 1, services: [general] }]
            """, source: "inline")
        let settings = try ServerSettings.resolve(file: file, environment: [:])
        #expect(settings.backups == BackupSchedule(hour: 3, minute: 5, directory: "/var/backups/quhao", keep: 14, timeZone: "Asia/Urumqi"))
        #expect(try ServerSettings.resolve(file: nil, environment: [:]).backups == nil, "no section: no nightly backups")
    }

    @Test func timesOfDayParseStrictly() {
        #expect(BackupSchedule.parseTime("02:30")! == (2, 30))
        #expect(BackupSchedule.parseTime("23:59")! == (23, 59))
        for bad in ["2:30", "24:00", "02:60", "0230", "02:30:00", "", "ab:cd"] { #expect(BackupSchedule.parseTime(bad) == nil, "\(bad)") }
    }

    @Test func theNextRunIsTheNextLocalTime() {
        // 2026-11-30 01:00 Shanghai → 02:30 the same night; 02:30 exactly → the next night.
        #expect(Self.schedule.next(after: Self.local(30, 1)) == Self.local(30, 2, 30))
        #expect(Self.schedule.next(after: Self.local(30, 2, 30)) == Self.local(30, 2, 30).addingTimeInterval(86_400))
        #expect(Self.schedule.next(after: Self.local(30, 23)) == Self.local(30, 2, 30).addingTimeInterval(86_400))
    }

    @Test func aBackupIsDueWhenNoneSucceededSinceTheLastScheduledTime() {
        let now = Self.local(30, 9)
        #expect(Self.schedule.isDue(lastSuccess: nil, now: now), "never made one")
        #expect(!Self.schedule.isDue(lastSuccess: Self.local(30, 2, 31), now: now), "made last night")
        #expect(Self.schedule.isDue(lastSuccess: Self.local(29, 2, 31), now: now), "the daemon was down at 02:30")
        #expect(!Self.schedule.isDue(lastSuccess: Self.local(29, 2, 31), now: Self.local(30, 2, 29)), "not yet tonight's time")
    }

    @Test func onlyOurOwnFilesArePrunedOldestFirst() {
        let names = [
            "quhao-2026-11-27-023000.sqlite", "quhao-2026-11-30-023001.sqlite", "quhao-2026-11-28-023000.sqlite", "notes.txt",
            "quhao-2026-11-29-023000.sqlite", "quhao-manual.sqlite", ".quhao-2026-11-30-023001.sqlite.part",
        ]
        #expect(Self.schedule.fileName(at: Self.local(30, 2, 30, 1)) == "quhao-2026-11-30-023001.sqlite")
        #expect(Self.schedule.surplus(among: names) == ["quhao-2026-11-27-023000.sqlite"])
        #expect(BackupSchedule(hour: 2, minute: 30, directory: "/b", keep: 1, timeZone: "Asia/Shanghai").surplus(among: names).count == 3)
    }
}
