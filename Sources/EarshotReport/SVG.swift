import Foundation

/// Small builders for inline SVG markup; numbers are printed with one decimal so the markup is
/// compact and the same on every machine.
enum SVG {
    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ style: String) -> String {
        #"<line x1="\#(n(x1))" y1="\#(n(y1))" x2="\#(n(x2))" y2="\#(n(y2))" \#(style)/>"#
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String? = nil, extra: String = "") -> String {
        let r = #"<rect x="\#(n(x))" y="\#(n(y))" width="\#(n(max(w, 0)))" height="\#(n(h))" fill="\#(fill)"\#(extra.isEmpty ? "" : " " + extra)"#
        return title.map { r + "><title>\(XMLText.escape($0))</title></rect>" } ?? r + "/>"
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", extra: String = "") -> String {
        #"<text x="\#(n(x))" y="\#(n(y))" text-anchor="\#(anchor)"\#(extra.isEmpty ? "" : " " + extra)>\#(XMLText.escape(s))</text>"#
    }

    /// A text's width estimated from its length: 0.6 em a character is wider than the average
    /// system-ui glyph, so a layout made with it leaves room rather than clips.
    static func textWidth(_ s: String, fontSize: Double = 11) -> Double { Double(s.count) * fontSize * 0.6 }

    /// A horizontal axis at `y` with tick marks, labels and a light vertical grid up to `top`.
    static func xAxis(_ axis: SVGAxis, y: Double, top: Double, label: String) -> String {
        var s = line(axis.from, y, axis.to, y, #"class="axis""#)
        for t in axis.ticks {
            let x = axis(t)
            s += line(x, top, x, y, #"class="grid""#)
            s += line(x, y, x, y + 4, #"class="axis""#)
            s += text(x, y + 16, SVGAxis.label(t), anchor: "middle", extra: #"class="tick""#)
        }
        s += text((axis.from + axis.to) / 2, y + 34, label, anchor: "middle", extra: #"class="label""#)
        return s
    }

    static func open(width: Double, height: Double, label: String) -> String {
        #"<svg viewBox="0 0 \#(n(width)) \#(n(height))" width="\#(n(width))" height="\#(n(height))" role="img" aria-label="\#(XMLText.escape(label))">"#
    }
}
