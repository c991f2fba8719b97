import Foundation
import QuhaoCore

/// A value as it crosses the engine seam: bound to a statement, or read from a row. Each engine
/// maps these to its own types in one place (``GRDBDatabase``, the PostgreSQL session).
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob(Data)
    /// A moment. SQLite keeps it as UTC text (`2026-12-02 08:30:00.000`, GRDB's form, which sorts
    /// as time does); PostgreSQL as `timestamptz`.
    case date(Date)
}

/// A value read from a row that is not of the type asked for: a bug of ours or a damaged row,
/// never a crash.
public struct SQLDecodingError: Error, CustomStringConvertible {
    public let column: String
    public let expected: String
    public let found: SQLValue

    public var description: String { "column \(column): expected \(expected), found \(found)" }
}

/// A Swift type stored in one column.
public protocol SQLConvertible: Sendable {
    /// The value to bind.
    var sqlValue: SQLValue { get }
    /// The value read back; `nil` when the stored value cannot be one (``SQLDecodingError``).
    init?(sqlValue: SQLValue)
}

extension Int64: SQLConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let value): self = value
        // PostgreSQL's SUM and AVG answer `numeric`, read as a double.
        case .double(let value) where value.rounded() == value && abs(value) < 9.2e18: self = Int64(value)
        default: return nil
        }
    }
}

extension Int: SQLConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(value)
    }
}

extension Double: SQLConvertible {
    public var sqlValue: SQLValue { .double(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .double(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

/// Stored as 0 or 1 on both engines (an `INTEGER` column: the same `WHERE active = 1` everywhere).
extension Bool: SQLConvertible {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = value != 0
    }
}

extension String: SQLConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .text(let value): self = value
        case .integer(let value): self = String(value)
        case .blob(let data): self = String(decoding: data, as: UTF8.self)
        default: return nil
        }
    }
}

extension Data: SQLConvertible {
    public var sqlValue: SQLValue { .blob(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .blob(let value): self = value
        case .text(let value): self = Data(value.utf8)
        default: return nil
        }
    }
}

extension SQLValue: SQLConvertible {
    public var sqlValue: SQLValue { self }
    public init?(sqlValue: SQLValue) { self = sqlValue }
}

extension Date: SQLConvertible {
    public var sqlValue: SQLValue { .date(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .date(let value): self = value
        case .text(let text):
            // SQLite keeps moments as text, in the form its engine writes them (one place: ``GRDBDatabase``).
            guard let value = GRDBDatabase.date(stored: text) else { return nil }
            self = value
        default: return nil
        }
    }
}

extension BusinessDay: SQLConvertible {
    public var sqlValue: SQLValue { .text(iso) }
    public init?(sqlValue: SQLValue) {
        guard case .text(let text) = sqlValue, let day = BusinessDay(iso: text) else { return nil }
        self = day
    }
}

extension Optional: SQLConvertible where Wrapped: SQLConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public init?(sqlValue: SQLValue) {
        if case .null = sqlValue {
            self = .none
        } else {
            guard let value = Wrapped(sqlValue: sqlValue) else { return nil }
            self = .some(value)
        }
    }
}

/// An enumeration stored by its raw text (states, channels, kinds): conform with an empty extension.
public protocol SQLTextEnum: SQLConvertible, RawRepresentable where RawValue == String {}

extension SQLTextEnum {
    public var sqlValue: SQLValue { .text(rawValue) }
    public init?(sqlValue: SQLValue) {
        guard case .text(let text) = sqlValue, let value = Self(rawValue: text) else { return nil }
        self = value
    }
}
