import Foundation

/// What a certificate says, in the exact form the hub signs: who qualified, in which county and year, under
/// which serial, when, and which hub key signed it.
///
/// The canonical form is UTF-8 text, one field a line, in this order: the format tag `tscert1`, the serial,
/// the year, the county code, the teacher's name, the identity-document type, the last 4 characters of the
/// identity number, the issue date (`YYYY-MM-DD`, China time) and the signing key's id. A payload parses only
/// from its canonical form, so one certificate has exactly one signed text.
public struct CertificatePayload: Sendable, Hashable {
    /// The format tag, first line of the payload and first part of a token.
    public static let formatTag = "tscert1"

    /// `HB{year}-{county}-{6-digit sequence}`.
    public let serial: String
    /// The training year.
    public let year: Int
    /// The teacher's county (GB/T 2260, 6 digits).
    public let countyCode: String
    /// The teacher's name as registered when the certificate was issued.
    public let name: String
    /// The identity-document type code, `1` to `9`.
    public let idType: String
    /// The last 4 characters of the identity number: enough to tell two namesakes apart, not enough to identify.
    public let idLast4: String
    /// The issue date, `YYYY-MM-DD`.
    public let issueDate: String
    /// The signing hub key's id: the first 8 hex digits of its origin id.
    public let keyID: String

    /// Makes a payload from the issued row's fields, keeping only the last 4 characters of the identity number.
    ///
    /// - Throws: ``CertificateError`` `certificate.malformed` naming the field that is wrong (never its value).
    public init(
        serial: String, year: Int, countyCode: String, name: String, idType: String, idNumber: String,
        issueDate: String, keyID: String
    ) throws(CertificateError) {
        self.serial = serial
        self.year = year
        self.countyCode = countyCode
        self.name = name
        self.idType = idType
        self.idLast4 = String(idNumber.suffix(4)).uppercased()
        self.issueDate = issueDate
        self.keyID = keyID
        if let problem = validationProblem { throw CertificateError(.malformed, problem) }
    }

    /// The serial a county's year gives its `sequence`-th certificate.
    public static func serial(year: Int, county: String, sequence: Int) -> String {
        let digits = String(sequence)
        return "HB\(year)-\(county)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// The sequence number of a serial of that county and year, or `nil` for another serial.
    public static func sequence(ofSerial serial: String, year: Int, county: String) -> Int? {
        let prefix = "HB\(year)-\(county)-"
        guard serial.hasPrefix(prefix) else { return nil }
        let tail = serial.dropFirst(prefix.count)
        guard tail.count == 6, tail.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(tail)
    }

    /// The canonical bytes the hub signs.
    public var canonicalBytes: [UInt8] {
        let lines = [
            Self.formatTag, serial, String(year), countyCode, name, idType, idLast4, issueDate, keyID,
        ]
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// Parses canonical bytes.
    public init(canonical bytes: [UInt8]) throws(CertificateError) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CertificateError(.malformed, "the payload is not UTF-8")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count == 9, lines[0] == Self.formatTag else {
            throw CertificateError(.malformed, "the payload is not a \(Self.formatTag) certificate")
        }
        guard let year = Int(lines[2]), String(year) == lines[2] else {
            throw CertificateError(.malformed, "the payload's year is not a number")
        }
        let parsed = try CertificatePayload(
            serial: lines[1], year: year, countyCode: lines[3], name: lines[4], idType: lines[5], idNumber: lines[6],
            issueDate: lines[7], keyID: lines[8])
        // Only the canonical form parses (the last-4 field, for one, is stored uppercase).
        guard parsed.canonicalBytes == bytes else {
            throw CertificateError(.malformed, "the payload is not in canonical form")
        }
        self = parsed
    }

    /// What is wrong with the fields, in words that name the field and never its value; `nil` when all is well.
    var validationProblem: String? {
        guard (2000...2999).contains(year) else { return "the year is out of range" }
        guard countyCode.count == 6, countyCode.allSatisfy(\.isASCIIDigit) else {
            return "the county code is not 6 digits"
        }
        guard let sequence = Self.sequence(ofSerial: serial, year: year, county: countyCode), sequence > 0 else {
            return "the serial is not HB{year}-{county}-{6-digit sequence} of this year and county"
        }
        guard !name.isEmpty, name.count <= 64, name.trimmingCharacters(in: .whitespaces) == name,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" })
        else { return "the teacher's name is empty, too long or holds control characters" }
        guard idType.count == 1, let d = idType.first, ("1"..."9").contains(d) else {
            return "the identity-document type is not 1 to 9"
        }
        guard idLast4.count == 4, idLast4.allSatisfy({ $0.isASCIIDigit || ($0.isASCII && $0.isUppercase) }) else {
            return "the identity number's last 4 characters are not digits or letters"
        }
        guard issueDate.allSatisfy(\.isASCII),
            issueDate.wholeMatch(of: /\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])/) != nil
        else {
            return "the issue date is not YYYY-MM-DD"
        }
        guard keyID.count == 8, keyID.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            return "the key id is not 8 lowercase hex digits"
        }
        return nil
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// The time stamps of issue and revocation: RFC 3339 in China time (`2019-12-20T10:15:00+08:00`), whose first
/// 10 characters are the issue date the payload carries.
public enum CertificateTime {
    /// The stamp of a moment, milliseconds since the epoch.
    public static func stamp(millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    /// The date part of a stamp.
    public static func date(ofStamp stamp: String) -> String { String(stamp.prefix(10)) }
}
