import Foundation
import QuhaoCore

/// Charts drawn by the server as inline SVG: no script, no chart library, no network; they print
/// and scale with the page. Text is escaped; every number is formatted here.
enum Charts {
    /// Bars for `bars` on the left axis, and a line with dots for `line` on the right axis.
    /// - Parameters:
    ///   - labels: One per bar (x axis).
    ///   - bars: The bars' values (`barName`, left axis).
    ///   - line: The line's values, `nil` where there is none (`lineName`, right axis).
    static func barsAndLine(
        id: String, title: String, labels: [String], bars: [Double], barName: String, line: [Double?], lineName: String
    ) -> String {
        let width = 760.0
        let height = 260.0
        let (left, right, top, bottom) = (48.0, 48.0, 52.0, 36.0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let barMax = niceCeiling(bars.max() ?? 0)
        let lineMax = niceCeiling(line.compactMap { $0 }.max() ?? 0)
        let slot = labels.isEmpty ? plotWidth : plotWidth / Double(labels.count)
        var svg = header(id: id, title: title, width: width, height: height)
        svg += axes(left: left, right: right, top: top, bottom: bottom, width: width, height: height, leftMax: barMax, rightMax: lineMax)
        for (index, value) in bars.enumerated() {
            let barHeight = barMax > 0 ? plotHeight * value / barMax : 0
            let x = left + slot * Double(index) + slot * 0.15
            svg +=
                #"<rect class="bar" x="\#(f(x))" y="\#(f(top + plotHeight - barHeight))" width="\#(f(slot * 0.7))" height="\#(f(barHeight))"><title>\#(escape(labels[index])): \#(escape(barName)) \#(number(value))</title></rect>"#
        }
        let points = line.enumerated().compactMap { index, value -> (Double, Double, Double)? in
            guard let value else { return nil }
            return (left + slot * (Double(index) + 0.5), top + plotHeight - (lineMax > 0 ? plotHeight * value / lineMax : 0), value)
        }
        if points.count > 1 {
            svg += #"<polyline class="line" points="\#(points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))"/>"#
        }
        for (index, point) in points.enumerated() {
            svg +=
                #"<circle class="dot" cx="\#(f(point.0))" cy="\#(f(point.1))" r="3.5"><title>\#(escape(lineName)) \#(number(point.2))</title></circle>"#
            _ = index
        }
        let every = max(1, Int((Double(labels.count) / 12).rounded(.up)))
        for (index, label) in labels.enumerated() where index % every == 0 {
            svg += #"<text class="x" x="\#(f(left + slot * (Double(index) + 0.5)))" y="\#(f(height - bottom + 16))">\#(escape(label))</text>"#
        }
        svg += legend(x: left, items: [("bar", barName), ("line", lineName)])
        return svg + "</svg>"
    }

    /// Horizontal bars, one per row, with the value at the end.
    static func horizontalBars(id: String, title: String, labels: [String], values: [Double], unit: String) -> String {
        let rowHeight = 28.0
        let (left, right, top) = (150.0, 80.0, 28.0)
        let width = 760.0
        let height = top + rowHeight * Double(max(1, labels.count)) + 12
        let most = niceCeiling(values.max() ?? 0)
        var svg = header(id: id, title: title, width: width, height: height)
        for (index, label) in labels.enumerated() {
            let y = top + rowHeight * Double(index)
            let length = most > 0 ? (width - left - right) * values[index] / most : 0
            svg += #"<text class="y" x="\#(f(left - 8))" y="\#(f(y + rowHeight * 0.65))">\#(escape(label))</text>"#
            svg +=
                #"<rect class="bar" x="\#(f(left))" y="\#(f(y + 4))" width="\#(f(length))" height="\#(f(rowHeight - 8))"><title>\#(escape(label)): \#(number(values[index])) \#(escape(unit))</title></rect>"#
            svg +=
                #"<text class="value" x="\#(f(left + length + 6))" y="\#(f(y + rowHeight * 0.65))">\#(number(values[index])) \#(escape(unit))</text>"#
        }
        return svg + "</svg>"
    }

    // MARK: - Parts

    private static func header(id: String, title: String, width: Double, height: Double) -> String {
        #"<svg class="chart" id="\#(escape(id))" role="img" aria-label="\#(escape(title))" viewBox="0 0 \#(f(width)) \#(f(height))" xmlns="http://www.w3.org/2000/svg"><title>\#(escape(title))</title>"#
            + #"<text class="title" x="0" y="16">\#(escape(title))</text>"#
    }

    private static func axes(
        left: Double, right: Double, top: Double, bottom: Double, width: Double, height: Double, leftMax: Double, rightMax: Double
    ) -> String {
        var svg = ""
        for step in 0...4 {
            let y = top + (height - top - bottom) * (1 - Double(step) / 4)
            svg += #"<line class="grid" x1="\#(f(left))" x2="\#(f(width - right))" y1="\#(f(y))" y2="\#(f(y))"/>"#
            svg += #"<text class="y" x="\#(f(left - 6))" y="\#(f(y + 4))">\#(number(leftMax * Double(step) / 4))</text>"#
            svg += #"<text class="y2" x="\#(f(width - right + 6))" y="\#(f(y + 4))">\#(number(rightMax * Double(step) / 4))</text>"#
        }
        return svg
    }

    private static func legend(x: Double, items: [(String, String)]) -> String {
        var svg = ""
        var at = x
        for (kind, name) in items {
            svg +=
                kind == "bar"
                ? #"<rect class="bar" x="\#(f(at))" y="26" width="12" height="12"/>"#
                : #"<line class="line" x1="\#(f(at))" x2="\#(f(at + 12))" y1="32" y2="32"/>"#
            svg += #"<text class="legend" x="\#(f(at + 16))" y="36">\#(escape(name))</text>"#
            at += 16 + Double(name.columns) * 7 + 24
        }
        return svg
    }

    /// 1, 2, 5 × 10ⁿ at or above `value` (an axis maximum people can read), at least 1.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
