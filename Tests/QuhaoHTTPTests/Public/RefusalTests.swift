import Foundation
import Hummingbird
import HummingbirdTesting
import Presence
import QuhaoCore
import QuhaoHTTP
import QuhaoStore
import Testing

/// Every refusal of the take-a-number API: stable code, status, problem+json, zh-CN and English.
@Suite struct RefusalTests {
    func expectProblem(
        _ response: TestResponse, _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/problem+json; charset=utf-8", sourceLocation: sourceLocation)
        #expect(response.json["code"] as? String == code, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.json["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((response.json["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(response.json["type"] as? String == "urn:quhao:problem:\(code)", sourceLocation: sourceLocation)
    }

    /// Found by the bad-input pass: a text/plain body was read as JSON, `?wait=abc` was ignored,
    /// and `/static/%00` was redirected to `/%20/`.
    @Test func nonJSONBodiesBadWaitsAndOddStaticNamesAreRefused() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let plain = try await client.execute(
                uri: "/api/v1/sites/hall/tickets", method: .post, headers: [.contentType: "text/plain"],
                body: ByteBuffer(string: #"{"service": "H"}"#))
            expectProblem(plain, .unsupportedMediaType, "request.media_type")
            #expect(plain.json["detail"] as? String == "接口只接受 JSON 请求体（Content-Type: application/json），收到的是 text/plain。")
            let json = try await client.execute(
                uri: "/api/v1/sites/hall/tickets", method: .post, headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(string: #"{"service": "H"}"#))
            #expect(json.status == .created, "a charset parameter is fine")
            for wait in ["abc", "-1", "1.5"] {
                expectProblem(try await client.get("/api/v1/sites/hall/board?wait=\(wait)"), .badRequest, "request.invalid")
            }
            #expect(try await client.get("/api/v1/sites/hall/board?wait=99").status == .ok, "a long wait is cut to 30 s, not refused")
            for path in ["/static/%00", "/static/a%0Ab", "/static/..%2Fpackage"] {
                #expect(try await client.get(path).status == .notFound, "\(path)")
            }
            #expect(try await client.get("/static/app.css").status == .ok)
        }
    }

    @Test func identityVectorsFromDomainMdThroughTheAPI() async throws {
        let test = try await TestApp()
        try await test.run { client in
            for valid in ["91350100M000100Y43", "91110000600037341L", "121200004013590816", "92340602MA2PBMEM24"] {
                #expect(try await client.take("general", identity: valid).status == .created, "\(valid)")
            }
            expectProblem(try await client.take("general", identity: "91350100M000100Y4Z"), .badRequest, "identity.checksum")
            expectProblem(try await client.take("general", identity: "91110000600037341N"), .badRequest, "identity.checksum")
            expectProblem(try await client.take("general", identity: "9111000060003IOZSV"), .badRequest, "identity.format")
            expectProblem(try await client.take("general", identity: "91350100M0001TGQXM"), .badRequest, "identity.checksum")
            expectProblem(try await client.take("general"), .badRequest, "identity.required")

            var phone = 13_812_345_600
            for valid in ["11010519491231002X", "440524188001010014", "360426199101010071", "44011320141005001X"] {
                phone += 1
                #expect(try await client.take("personal", identity: valid, phone: String(phone)).status == .created, "\(valid)")
            }
            expectProblem(try await client.take("personal", identity: "36042619910102009X", phone: "13812345678"), .badRequest, "identity.checksum")
            expectProblem(
                try await client.take("personal", identity: "360426199113010079", phone: "13812345678"), .badRequest, "identity.birth_date")
            expectProblem(
                try await client.take("personal", identity: "91350100M000100Y43", phone: "13812345678"), .badRequest, "identity.not_accepted")

            #expect(try await client.take("personal", identity: "11010519491231002X", phone: "19119255642").status == .conflict)
            expectProblem(try await client.take("personal", identity: "110105194912310021", phone: "12345678901"), .badRequest, "identity.checksum")
            let body = #"{"service": "personal", "identity": "360426199101010071", "phone": "1381234567"}"#
            expectProblem(try await client.post("/api/v1/sites/hall/tickets", json: body), .badRequest, "phone.format")
            expectProblem(try await client.take("personal", identity: "360426199101010071"), .badRequest, "phone.required")
        }
    }

    @Test func onePerIdentityPerServicePerDayAndOnePerPhone() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let first = try await client.take("general", identity: "91350100M000100Y43")
            expectProblem(try await client.take("general", identity: "91350100m000100y43"), .conflict, "identity.duplicate")
            let cookie = try #require(first.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            expectProblem(try await client.take("consult", headers: [.cookie: cookie]), .conflict, "ticket.device_active")
        }
    }

    @Test func closedCappedUnknownAndMalformed() async throws {
        let test = try await TestApp()
        try await test.run { client in
            expectProblem(try await client.take("mondays"), .conflict, "service.closed")
            _ = try await client.take("consult")
            _ = try await client.take("consult")
            expectProblem(try await client.take("consult"), .conflict, "service.daily_cap_reached")
            expectProblem(try await client.take("nope"), .notFound, "service.not_found")
            expectProblem(try await client.post("/api/v1/sites/nowhere/tickets", json: #"{"service": "A"}"#), .notFound, "site.not_found")
            expectProblem(try await client.get("/api/v1/tickets/AAAAAAAAAAAAAAAAAAAAAA"), .notFound, "ticket.not_found")
            expectProblem(try await client.post("/api/v1/sites/hall/tickets", json: "{not json"), .badRequest, "request.invalid")
            expectProblem(try await client.post("/api/v1/sites/hall/tickets", json: #"{"service": 7}"#), .badRequest, "request.invalid")
            let big = "{\"service\": \"" + String(repeating: "x", count: 200_000) + "\"}"
            expectProblem(try await client.post("/api/v1/sites/hall/tickets", json: big), .contentTooLarge, "request.too_large")
            expectProblem(try await client.get("/api/v1/nothing"), .notFound, "route.not_found")
        }
    }

    @Test func presenceIsRequiredWhereRemoteNumbersAreNotAllowed() async throws {
        let test = try await TestApp(site: TestApp.site(allowRemote: false))
        try await test.run { client in
            expectProblem(try await client.take("consult"), .forbidden, "presence.required")
            expectProblem(try await client.take("consult", presence: "123456"), .forbidden, "presence.required")
            let current = test.presence.current(site: "hall")
            #expect(try await client.take("consult", presence: current).status == .created)
            // The previous window's code still works; two windows back does not.
            test.clock.advance(by: 60)
            #expect(try await client.take("consult", presence: current).status == .created)
            test.clock.advance(by: 60)
            expectProblem(try await client.take("general", identity: "91350100M000100Y43", presence: current), .forbidden, "presence.required")
        }
    }

    @Test func tooManyNumbersFromOneClientAre429WithRetryAfter() async throws {
        let test = try await TestApp(issueBurst: 2)
        try await test.run { client in
            #expect(try await client.take("general", identity: "91350100M000100Y43").status == .created)
            #expect(try await client.take("general", identity: "91110000600037341L").status == .created)
            let limited = try await client.take("general", identity: "121200004013590816")
            expectProblem(limited, .tooManyRequests, "rate.limited")
            #expect(limited.headers[.retryAfter] == "30")
            test.clock.advance(by: 30)
            #expect(try await client.take("general", identity: "121200004013590816").status == .created)
        }
    }

    @Test func messagesFollowTheLanguage() async throws {
        let test = try await TestApp()
        try await test.run { client in
            let zh = try await client.take("general", identity: "91350100M000100Y4Z")
            #expect((zh.json["detail"] as? String)?.contains("校验位") == true)
            let en = try await client.take("general", identity: "91350100M000100Y4Z", headers: [.acceptLanguage: "en-US,en;q=0.9"])
            #expect((en.json["detail"] as? String)?.contains("check character") == true)
            let query = try await client.post("/api/v1/sites/hall/tickets?lang=en", json: #"{"service": "mondays"}"#)
            #expect((query.json["detail"] as? String)?.contains("“Mondays” is closed") == true)
        }
    }
}
