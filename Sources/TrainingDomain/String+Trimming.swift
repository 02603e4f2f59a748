extension String {
    /// The string without leading and trailing Unicode whitespace (including the ideographic space U+3000 that
    /// Chinese input methods produce). Returns `self` unchanged, without copying, in the common case.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        guard first.isWhitespace || last.isWhitespace else { return self }
        guard let start = scalars.firstIndex(where: { !$0.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}

extension Unicode.Scalar {
    /// Whether the scalar has the Unicode White_Space property. Spelled out because this runs twice per CSV field and
    /// the table lookup behind `properties.isWhitespace` is comparatively slow.
    fileprivate var isWhitespace: Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
