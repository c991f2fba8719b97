import Foundation
import Testing

@testable import QuhaoStore

/// `--database postgres://…`: what it names, and what it refuses in words.
@Suite struct PostgresLocationTests {
    @Test func aURLNamesHostPortUserDatabaseAndTLS() throws {
        let location = try PostgresLocation(url: "postgres://quhao@db.bureau.local:6432/city?sslmode=require")
        #expect(location.host == "db.bureau.local" && location.port == 6432 && location.user == "quhao")
        #expect(location.database == "city" && location.tls == .require)
        let plain = try PostgresLocation(url: "postgresql://quhao@127.0.0.1/quhao")
        #expect(plain.port == 5432 && plain.tls == .prefer)
        #expect(PostgresLocation.isURL("postgres://x@y/z") && !PostgresLocation.isURL("/var/lib/quhao/quhao.sqlite"))
    }

    @Test func severalServersAreTriedInOrderAndAStandbyCanBePassedOver() throws {
        let location = try PostgresLocation(
            url: "postgres://quhao@db1.bureau.local:5432,[::1]:6432,db3/city?sslmode=disable&target_session_attrs=read-write")
        #expect(location.servers.map(\.host) == ["db1.bureau.local", "::1", "db3"])
        #expect(location.servers.map(\.port) == [5432, 6432, 5432])
        #expect(location.primaryOnly && location.database == "city" && location.user == "quhao")
        #expect(
            location.description == "postgres://quhao@db1.bureau.local:5432,[::1]:6432,db3:5432/city?sslmode=disable&target_session_attrs=read-write")
        #expect(try PostgresLocation(url: location.description) == location)
        #expect(!(try PostgresLocation(url: "postgres://quhao@db/city?target_session_attrs=any")).primaryOnly)
    }

    @Test func theBureausCAAndTheConnectionsNameAreTheURLs() throws {
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString).pem")
        try "not yet a certificate".write(to: ca, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: ca) }
        let location = try PostgresLocation(url: "postgres://quhao@db/city?sslmode=verify-ca&sslrootcert=\(ca.path)&application_name=quhao-east")
        #expect(location.tls == .verifyCA && location.rootCertificates == ca.path && location.applicationName == "quhao-east")
        #expect(location.description == "postgres://quhao@db:5432/city?sslmode=verify-ca&sslrootcert=\(ca.path)&application_name=quhao-east")
        #expect(try PostgresLocation(url: location.description) == location)
        #expect(try PostgresLocation(url: "postgres://quhao@db/city?sslmode=verify-full").tls == .verifyFull)
        #expect(try PostgresLocation(url: "postgres://quhao@db/city").applicationName == "quhao")
        // Read when the connection is made: a file that is no certificate is said so then.
        #expect {
            _ = try location.servers(password: nil)
        } throws: { error in
            (error as? QuhaoURLError)?.en.contains("holds no PEM certificate") == true
        }
    }

    @Test(arguments: [
        ("postgres://quhao@db/city?sslrootcert=ca.pem", "绝对路径"),
        ("postgres://quhao@db/city?sslrootcert=/nonexistent/ca.pem", "读不到"),
        ("postgres://quhao@db/city?application_name=", "application_name"),
        ("postgres://quhao@db/city?sslmode=disable&sslmode=require", "两次"),
        ("postgres://quhao@db:99999/city", "端口"),
        ("postgres://quhao@db1,/city", "主机"),
        ("postgres://quhao@db/city?target_session_attrs=standby", "target_session_attrs"),
        ("postgres://quhao:secret@db/city", "密码"),
        ("postgres://db/city", "用户名"),
        ("postgres://quhao@db/", "库名"),
        ("postgres://quhao@db/city?sslmode=sometimes", "sslmode"),
        ("postgres://quhao@db/city?host=evil", "参数"),
        ("mysql://quhao@db/city", "postgres://"),
    ])
    func aBadURLIsRefusedSayingWhy(_ url: String, _ words: String) {
        #expect {
            _ = try PostgresLocation(url: url)
        } throws: { error in
            (error as? QuhaoURLError)?.zh.contains(words) == true
        }
    }

    @Test func thePasswordComesFromTheEnvironmentOrAFileNeverTheURL() throws {
        #expect(try PostgresLocation.password(environment: ["QUHAO_DATABASE_PASSWORD": "a", "PGPASSWORD": "b"]) == "a")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)")
        try "s3cret\nignored\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try PostgresLocation.password(environment: ["QUHAO_DATABASE_PASSWORD_FILE": file.path]) == "s3cret")
        #expect(try PostgresLocation.password(environment: ["PGPASSWORD": "b"]) == "b")
        #expect(try PostgresLocation.password(environment: [:]) == nil)
        #expect(throws: QuhaoURLError.self) { try PostgresLocation.password(environment: ["QUHAO_DATABASE_PASSWORD_FILE": "/nonexistent/pw"]) }
    }
}
