import Foundation

/// The hall's touch-screen kiosk (`/kiosk/{site}`, opened with the site's display key).
public struct KioskSettings: Hashable, Sendable, Codable {
    /// Digits a staff member types on the kiosk to confirm a green-channel (绿色通道) number;
    /// `nil`: the kiosk offers no green channel (staff issue those with F9).
    public let greenPIN: String?
    /// Seconds without a touch before the kiosk goes back to its first screen.
    public let idleSeconds: Int
    /// Seconds the number stays on screen.
    public let resultSeconds: Int

    public init(greenPIN: String? = nil, idleSeconds: Int = 45, resultSeconds: Int = 20) {
        self.greenPIN = greenPIN
        self.idleSeconds = idleSeconds
        self.resultSeconds = resultSeconds
    }
}

/// Where a printer is: a network printer (`tcp://192.168.1.50:9100`, the port ESC/POS printers
/// listen on) or a device file (`/dev/usb/lp0`; any path, so a test can print to a file).
public enum PrinterTarget: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case device(path: String)

    /// Parses `tcp://host:port` or an absolute path; `nil` for anything else.
    public init?(_ text: String) {
        if text.hasPrefix("tcp://") {
            let rest = text.dropFirst("tcp://".count)
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port),
                !rest[..<colon].isEmpty
            else { return nil }
            self = .tcp(host: String(rest[..<colon]), port: port)
        } else if text.hasPrefix("/") {
            self = .device(path: text)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        case .device(let path): path
        }
    }
}

/// A hall's ticket printer (`sites[].printer` in the configuration).
public struct PrinterSettings: Hashable, Sendable, Codable {
    /// `tcp://host:port` or a device path (see ``PrinterTarget``).
    public let target: String
    /// 58 or 80 (mm).
    public let paper: Int
    /// `raster` (the QR as an image: every printer) or `native` (the printer's QR command).
    public let qr: String
    /// The line at the bottom of each ticket.
    public let footer: String

    public init(target: String, paper: Int = 58, qr: String = "raster", footer: String = "请留意叫号 Please watch for your number") {
        self.target = target
        self.paper = paper
        self.qr = qr
        self.footer = footer
    }
}
