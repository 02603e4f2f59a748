import CQREncode

/// A QR symbol's module matrix, made by Debian's libqrencode (byte mode, error correction level M, the smallest
/// version that holds the text).
public struct QRSymbol: Sendable, Hashable {
    /// The QR version (1 to 40).
    public let version: Int
    /// Modules per side.
    public let width: Int
    /// Row by row, `true` for a dark module.
    public let modules: [Bool]

    /// Encodes a text (a certificate token is ASCII).
    ///
    /// - Throws: ``CertificateError`` `certificate.qr_failed` when libqrencode cannot encode it (too long).
    public init(encoding text: String) throws(CertificateError) {
        // Debian builds libqrencode with pthreads, so concurrent calls are safe; each returns its own symbol.
        guard let symbol = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else {
            throw CertificateError(.qrFailed, "libqrencode could not encode a text of \(text.utf8.count) bytes")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        let data = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        self.version = Int(symbol.pointee.version)
        self.width = width
        // The lowest bit of each byte is the module's colour; the others describe its function.
        self.modules = data.map { $0 & 1 == 1 }
    }

    /// Whether the module at a column and row is dark.
    public func isDark(x: Int, y: Int) -> Bool { modules[y * width + x] }

    /// The symbol as an inline SVG element of `sizeMillimetres` a side, with the standard quiet zone of 4
    /// modules: one path of unit squares, the same bytes for the same text.
    public func svg(sizeMillimetres: Int = 36) -> String {
        let quiet = 4
        let side = width + 2 * quiet
        var path = ""
        path.reserveCapacity(width * width * 4)
        for y in 0..<width {
            for x in 0..<width where isDark(x: x, y: y) {
                path += "M\(x + quiet) \(y + quiet)h1v1h-1z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="qr" width="\(sizeMillimetres)mm" \
            height="\(sizeMillimetres)mm" viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges" \
            role="img" aria-label="QR"><rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>
            """
    }
}
