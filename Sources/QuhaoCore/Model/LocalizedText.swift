import Foundation

/// A short text in zh-CN and, optionally, English.
public struct LocalizedText: Hashable, Sendable, Codable {
    public let zh: String
    public let en: String?

    public init(zh: String, en: String? = nil) {
        self.zh = zh
        self.en = en
    }

    /// The text in a language, falling back to zh-CN.
    public func text(_ language: Language) -> String {
        switch language {
        case .zhCN: zh
        case .en: en ?? zh
        }
    }
}
