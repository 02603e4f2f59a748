/// One certificate as a county prints it: the signed token and what the page shows besides.
public struct PrintedCertificate: Sendable, Hashable {
    /// The signed token (its payload carries the serial, year, county, name and issue date).
    public let token: CertificateToken
    /// The county's name (from the unit catalogue), e.g. `长安区`.
    public let countyName: String
    /// The teacher's school, when the replica knows it.
    public let schoolName: String?
    /// The hours credited, in tenths of an hour (the assessment's total).
    public let hoursTenths: Int

    public init(token: CertificateToken, countyName: String, schoolName: String?, hoursTenths: Int) {
        self.token = token
        self.countyName = countyName
        self.schoolName = schoolName
        self.hoursTenths = hoursTenths
    }

    /// The hours as printed: `52` or `52.5`.
    public var hoursText: String {
        hoursTenths % 10 == 0 ? String(hoursTenths / 10) : "\(hoursTenths / 10).\(abs(hoursTenths % 10))"
    }
}
