/// How credited minutes become hours: to a tenth of an hour, by one of two rules. Integer arithmetic only.
///
/// Rounding happens once per category (on its summed minutes) and once for the total (on all counted minutes), never
/// per record, so many short records lose nothing.
public enum HourRounding: String, Sendable, Hashable, CaseIterable {
    /// Down to the tenth below: with 45 minutes an hour, 2,335 minutes (51.88… hours) are 51.8. A teacher is
    /// credited only with tenths fully studied. Code `down`.
    case down
    /// To the nearest tenth, halves up: 2,335 minutes at 45 an hour are 51.9. Code `nearest`.
    case nearest

    /// `minutes` (not negative) in tenths of an hour of `minutesPerHour` (positive) minutes.
    func tenths(ofMinutes minutes: Int, minutesPerHour: Int) -> Tenths {
        switch self {
        case .down:
            Tenths(tenths: minutes * 10 / minutesPerHour)
        case .nearest:
            // minutes × 10 / mph + ½, floored: (minutes × 20 + mph) / (2 × mph).
            Tenths(tenths: (minutes * 20 + minutesPerHour) / (2 * minutesPerHour))
        }
    }
}

extension HourRounding: Codable {
    /// Decodes the code, refusing any other string with the accepted codes in the error.
    public init(from decoder: any Decoder) throws {
        self = try CodeList.decode(Self.self, from: decoder)
    }
}
