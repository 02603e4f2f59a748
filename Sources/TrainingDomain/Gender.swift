/// A teacher's gender as recorded in the teacher roster (`gender` column): `M` or `F`.
///
/// For a resident identity card the gender is also encoded in the number (see ``IdentityNumber/impliedGender``), and
/// imports require the two to agree.
public enum Gender: String, Sendable, Hashable, CaseIterable {
    /// Male (男), code `M`.
    case male = "M"
    /// Female (女), code `F`.
    case female = "F"
}
