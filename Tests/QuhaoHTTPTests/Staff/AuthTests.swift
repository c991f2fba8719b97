import Foundation
import Hummingbird
import HummingbirdTesting
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

@Suite struct AuthTests {
    static let origin: HTTPFields = [.origin: "https://q.example.cn"]

    @Test func signInSetsAStrictHttpOnlyCookieAndSignOutEndsIt() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            #expect(try await client.get("/api/v1/auth/me").status == .unauthorized)
            let signedIn = try await client.post(
                "/api/v1/auth/login", json: #"{"login": "wang", "password": "window-three-pass"}"#, headers: Self.origin)
            #expect(signedIn.status == .ok)
            #expect(signedIn.json["name"] as? String == "王芳")
            #expect(signedIn.json["counters"] as? [Int] == [3])
            let setCookie = try #require(signedIn.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Secure"))
            let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))
            #expect(try await client.get("/api/v1/auth/me", headers: [.cookie: cookie]).json["login"] as? String == "wang")

            let foreign = try await client.post("/api/v1/auth/logout", json: "", headers: [.cookie: cookie, .origin: "https://evil.example"])
            #expect(foreign.status == .forbidden)
            #expect(foreign.json["code"] as? String == "auth.origin")
            let missing = try await client.post("/api/v1/auth/logout", json: "", headers: [.cookie: cookie])
            #expect(missing.status == .forbidden, "a cookie without Origin cannot change anything")
            #expect(try await client.get("/api/v1/auth/me", headers: [.cookie: cookie]).status == .ok)

            var headers = Self.origin
            headers[.cookie] = cookie
            #expect(try await client.post("/api/v1/auth/logout", json: "", headers: headers).status == .ok)
            #expect(try await client.get("/api/v1/auth/me", headers: [.cookie: cookie]).status == .unauthorized)
        }
    }

    @Test func wrongPasswordsUnknownLoginsAndDisabledAccountsLookTheSame() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.store.accounts.addStaff(
            NewStaff(login: "li", name: "李", role: .staff, siteID: "hall", counters: [4], password: "window-four-pass"), cost: 4)
        try await test.store.accounts.setDisabled(login: "li", true)
        try await test.run { client in
            for body in [
                #"{"login": "wang", "password": "wrong-password"}"#, #"{"login": "nobody", "password": "window-three-pass"}"#,
                #"{"login": "li", "password": "window-four-pass"}"#,
            ] {
                let refused = try await client.post("/api/v1/auth/login", json: body)
                #expect(refused.status == .unauthorized)
                #expect(refused.json["code"] as? String == "auth.failed")
                #expect(refused.headers[.setCookie] == nil)
            }
        }
    }

    @Test func sessionsExpireWhenIdleAndWhenAccountsAreDisabled() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            let signedIn = try await client.post("/api/v1/auth/login", json: #"{"login": "wang", "password": "window-three-pass"}"#)
            let cookie = try #require(signedIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            test.clock.advance(by: 3600)
            #expect(try await client.get("/api/v1/auth/me", headers: [.cookie: cookie]).status == .ok, "used within the idle timeout")
            test.clock.advance(by: AccountStore.sessionIdleTimeout + 1)
            #expect(try await client.get("/api/v1/auth/me", headers: [.cookie: cookie]).status == .unauthorized, "idle too long")

            let again = try await client.post("/api/v1/auth/login", json: #"{"login": "wang", "password": "window-three-pass"}"#)
            let second = try #require(again.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            try await test.store.accounts.setDisabled(login: "wang", true)
            #expect(try await client.get("/api/v1/auth/me", headers: [.cookie: second]).status == .unauthorized)
        }
    }

    @Test func successfulSignInsAreNotThrottled() async throws {
        // A shared phone at an office: the same people sign in and out many times a minute from one address.
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            for round in 0..<12 {
                let response = try await client.post("/api/v1/auth/login", json: #"{"login": "wang", "password": "window-three-pass"}"#)
                #expect(response.status == .ok, "sign-in \(round + 1)")
            }
        }
    }

    @Test func guessingIsLimitedPerAccount() async throws {
        let test = try await TestApp.withWindowThreeStaff()
        try await test.run { client in
            for _ in 0..<5 {
                #expect(
                    try await client.post("/api/v1/auth/login", json: #"{"login": "wang", "password": "guess-guess-guess"}"#).status == .unauthorized)
            }
            let limited = try await client.post("/api/v1/auth/login", json: #"{"login": "wang", "password": "window-three-pass"}"#)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.json["code"] as? String == "auth.rate_limited")
            #expect(limited.headers[.retryAfter] != nil)
            test.clock.advance(by: 60)
            #expect(try await client.post("/api/v1/auth/login", json: #"{"login": "wang", "password": "window-three-pass"}"#).status == .ok)
        }
    }
}
