/// The training contact of a city or county for one duty: the person a report or a question goes to.
///
/// The name, phone and e-mail are personal data: never log them or put them in an error message.
public struct TrainingContact: Sendable, Hashable {
    /// The city- or county-level unit.
    public let unitCode: String
    /// The duty, in words (for example 培训负责人).
    public let duty: String
    /// The person's name.
    public let name: String
    /// The phone number as written (digits, `-`, `+` and spaces).
    public let phone: String
    /// The e-mail address, if any.
    public let email: String?

    /// Creates a contact.
    public init(unitCode: String, duty: String, name: String, phone: String, email: String?) {
        self.unitCode = unitCode
        self.duty = duty
        self.name = name
        self.phone = phone
        self.email = email
    }
}
