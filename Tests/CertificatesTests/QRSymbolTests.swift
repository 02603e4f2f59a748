import Certificates
import Testing

@Suite("QR symbols from libqrencode")
struct QRSymbolTests {
    @Test("a token's symbol has the size of its version and the three finder patterns")
    func structure() throws {
        let symbol = try QRSymbol(encoding: try CertificateFixtures.token().text)
        #expect((1...40).contains(symbol.version))
        #expect(symbol.width == 17 + 4 * symbol.version)
        #expect(symbol.modules.count == symbol.width * symbol.width)
        // A finder pattern: a dark 7×7 ring, a light ring inside it, a dark 3×3 core.
        for (ox, oy) in [(0, 0), (symbol.width - 7, 0), (0, symbol.width - 7)] {
            for y in 0..<7 {
                for x in 0..<7 {
                    let ring = max(abs(x - 3), abs(y - 3))
                    #expect(symbol.isDark(x: ox + x, y: oy + y) == (ring != 2), "finder at \(ox),\(oy): \(x),\(y)")
                }
            }
        }
    }

    @Test("the SVG is non-empty, draws every dark module once, and is the same for the same text")
    func svg() throws {
        let text = try CertificateFixtures.token().text
        let symbol = try QRSymbol(encoding: text)
        let svg = symbol.svg()
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        let dark = symbol.modules.filter { $0 }.count
        #expect(dark > 0)
        #expect(svg.components(separatedBy: "h1v1h-1z").count - 1 == dark)
        #expect(try QRSymbol(encoding: text).svg() == svg)
        #expect(try QRSymbol(encoding: try CertificateFixtures.token(sequence: 2).text).svg() != svg)
    }

    @Test("a text too long for any version is refused")
    func tooLong() {
        let error = #expect(throws: CertificateError.self) {
            try QRSymbol(encoding: String(repeating: "x", count: 4000))
        }
        #expect(error?.reason.rawValue == "certificate.qr_failed")
    }
}
