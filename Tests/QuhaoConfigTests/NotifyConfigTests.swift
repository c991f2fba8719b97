import Foundation
import Notify
import QuhaoConfig
import QuhaoCore
import Testing

/// `notify.sms` and a site's `notices`: read with their secrets, refused in words naming the key.
@Suite struct NotifyConfigTests {
    static func text(body: String = #"{"to":"{{phone}}","text":"{{text}}","id":"{{id}}"}"#, channels: String = "[sms]", sms: Bool = true) -> String {
        """
        notify:
        \(sms ? "" : "#")  sms:
        \(sms ? "" : "#")    url: https://sms.example.com/send
        \(sms ? "" : "#")    body: '\(body)'
        \(sms ? "" : "#")    key_env: TEST_SMS_KEY
        \(sms ? "" : "#")    signature: { parts: ["{{timestamp}}", "{{body}}"], secret_env: TEST_SMS_SECRET }
        \(sms ? "" : "#")    templates: { near: SMS_1 }
        \(Self.hall(notices: "{ channels: \(channels), near_places: 3, services: { A: [called] } }"))
        """.replacingOccurrences(of: "notify:\n#  sms:", with: "notify: {}\n#  sms:")
    }

    /// The one hall of these tests, with its `notices`.
    static func hall(notices: String) -> String {
        """
        sites:
          - id: hall
            name: { zh: 大厅 }
            services:
              - { id: general, prefix: A, name: { zh: 综合 } }
            counters:
              - { id: 1, services: [general] }
            notices: \(notices)
        """
    }

    @Test func theProviderAndTheRulesAreReadWithSecretsFromTheEnvironment() throws {
        let file = try ConfigLoader.parse(Self.text(), source: "sms.yaml")
        let settings = try ServerSettings.resolve(file: file, environment: ["TEST_SMS_KEY": "k-1", "TEST_SMS_SECRET": "s-2"])
        let sms = try #require(settings.sms)
        #expect(sms.template.key == "k-1" && sms.template.signature?.secret == "s-2")
        #expect(sms.templates == [.near: "SMS_1"])
        let rules = try #require(file.domainSites.first?.notices)
        #expect(rules.channels == [.sms] && rules.nearPlaces == 3)
        #expect(rules.sends(.called, service: "general") && !rules.sends(.near, service: "general"), "A is general's prefix")
    }

    @Test func aMissingSecretIsNamedNeverGuessed() throws {
        let file = try ConfigLoader.parse(Self.text(), source: "sms.yaml")
        let error = #expect(throws: ConfigError.self) { try ServerSettings.resolve(file: file, environment: ["TEST_SMS_KEY": "k-1"]) }
        #expect(error?.issues.map(\.path) == ["notify.sms.signature.secret_env"])
    }

    /// Found by the walk: `check-config` named a missing secret only in a second run, after the
    /// file's other problems were mended. Read with the environment, both come in one.
    @Test func aMissingSecretIsNamedWithTheFilesOtherProblemsInOneRun() throws {
        let text = Self.text(body: #"{"to":"{{phnoe}}"}"#).replacingOccurrences(of: "near_places: 3", with: "near_places: 99")
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, source: "sms.yaml", environment: ["TEST_SMS_KEY": "k"]) }
        #expect(
            Set(error?.issues.map(\.path) ?? []) == ["sites[0].notices.near_places", "notify.sms.signature.secret_env", "notify.sms.body"],
            "\(String(describing: error))")
        #expect(error?.issues.count == 3)
        // Without the environment (a test, the built-in demo) the secrets are not asked for.
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, source: "sms.yaml") }
        #expect(throws: Never.self) { try ConfigLoader.parse(Self.text(), source: "sms.yaml") }
        #expect(throws: Never.self) {
            try ConfigLoader.parse(Self.text(), source: "sms.yaml", environment: ["TEST_SMS_KEY": "k", "TEST_SMS_SECRET": "s"])
        }
    }

    /// Found by a walk: a provider of approved templates was sent `"template":""` for a kind the
    /// hall sends but `templates` forgot; a tax hall could configure findings; a missing `url` was
    /// also named by its stand-in value.
    @Test func everyKindSentNeedsItsTemplateCodeAndFitsItsSite() throws {
        let text = Self.text(body: #"{"to":"{{phone}}","template":"{{template}}"}"#)
            .replacingOccurrences(of: "services: { A: [called] }", with: "kinds: [near, called, booked, finding]")
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, source: "t.yaml", environment: [:]) }
        let issues = error?.issues ?? []
        #expect(issues.contains { $0.path == "sites[0].notices.kinds" && $0.reason.hasPrefix("finding cannot be sent by a tax hall") }, "\(issues)")
        #expect(
            issues.contains { $0.path == "notify.sms.templates" && $0.reason.hasPrefix("no template code for called, code, booked") },
            "\(issues)")
        // Without {{template}} in the request, no codes are needed.
        #expect(throws: Never.self) { try ConfigLoader.parse(Self.text(), source: "t.yaml") }
        let noURL = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(
                Self.text().replacingOccurrences(of: "    url: https://sms.example.com/send\n", with: ""), source: "u.yaml", environment: [:])
        }
        #expect(
            noURL?.issues.map(\.path).contains("notify.sms.url") == true && noURL?.description.contains("missing") == false,
            "\(String(describing: noURL))")
    }

    @Test func aTypoedPlaceholderOrAChannelWithoutItsProviderIsRefused() throws {
        let typo = try ConfigLoader.parse(Self.text(body: #"{"to":"{{phnoe}}"}"#), source: "sms.yaml")
        let error = #expect(throws: ConfigError.self) {
            try ServerSettings.resolve(file: typo, environment: ["TEST_SMS_KEY": "k", "TEST_SMS_SECRET": "s"])
        }
        #expect(error?.description.contains("{{phnoe}}") == true)
        #expect(error?.issues.map(\.path) == ["notify.sms.body"], "named at its key (found by the walk)")
        // A header's {{signature}} without a signature section: named at the header, saying what is missing.
        let unsigned = try ConfigLoader.parse(
            Self.text().replacingOccurrences(
                of: "    signature: {", with: "    headers: [{ name: X-Sig, value: \"{{signature}}\" }]\n#    signature: {"),
            source: "s.yaml")
        let missing = #expect(throws: ConfigError.self) { try ServerSettings.resolve(file: unsigned, environment: ["TEST_SMS_KEY": "k"]) }
        #expect(missing?.issues.map(\.path) == ["notify.sms.headers[0].value"], "\(String(describing: missing))")
        #expect(missing?.issues.first?.reason.contains("needs notify.sms.signature") == true)
        let without = #expect(throws: ConfigError.self) { try ConfigLoader.parse(Self.text(sms: false), source: "none.yaml") }
        #expect(without?.issues.map(\.path) == ["sites[0].notices.channels"])
        let wechat = #expect(throws: ConfigError.self) { try ConfigLoader.parse(Self.text(channels: "[sms, wechat]"), source: "w.yaml") }
        #expect(wechat?.issues.map(\.path) == ["sites[0].notices.channels"])
    }

    /// Found by the walk: a confirmation URL given with WeChat's path had the path added twice.
    @Test func aConfirmationURLWithItsPathIsTakenAsItsHost() throws {
        let file = try ConfigLoader.parse(
            """
            notify:
              wechat: { app_id: wx01, template_id: T, secret_env: S, confirm_url: "http://127.0.0.1:9102/mp/subscribemsg/" }
            \(Self.hall(notices: "{ channels: [wechat] }"))
            """, source: "wx.yaml")
        let wechat = try #require(try ServerSettings.resolve(file: file, environment: ["S": "secret"]).wechat)
        #expect(wechat.subscription.confirmURL == "http://127.0.0.1:9102")
        #expect(wechat.subscription.confirmLink(kind: .near, back: "b", reserved: "r").hasPrefix("http://127.0.0.1:9102/mp/subscribemsg?"))
    }
}
