import Certificates
import Testing

@Suite("The printed certificate document")
struct CertificateDocumentTests {
    static func printed(_ names: [String]) throws -> [PrintedCertificate] {
        try names.enumerated().map { i, name in
            PrintedCertificate(
                token: try CertificateFixtures.token(name: name, sequence: i + 1), countyName: "长安区",
                schoolName: "长安区第一中学", hoursTenths: 525)
        }
    }

    @Test("one A4 section per certificate, with its Chinese text, serial, code and QR symbol")
    func pages() throws {
        let certificates = try Self.printed(["张三", "李四", "王五"])
        let html = try CertificateDocument(certificates: certificates, title: "长安区 2019").html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("@page { size: A4; margin: 0 }"))
        #expect(html.contains("page-break-after: always"))
        #expect(html.contains("\"Noto Serif CJK SC\", \"Noto Sans CJK SC\", \"WenQuanYi Zen Hei\", serif"))
        #expect(html.components(separatedBy: "<section class=\"certificate\"").count - 1 == certificates.count)
        #expect(html.components(separatedBy: "<svg").count - 1 == certificates.count)
        #expect(html.components(separatedBy: "教师培训合格证书").count - 1 >= certificates.count)
        for c in certificates {
            #expect(html.contains(c.token.code.description))
            #expect(html.contains(c.token.payload.serial))
            #expect(html.contains(c.token.payload.name))
        }
        #expect(html.contains("长安区（130102）"))
        #expect(html.contains("52.5学时"))
        #expect(html.contains("2019年12月20日"))
        #expect(html.contains("长安区第一中学"))
    }

    @Test("text from the data is escaped")
    func escaping() throws {
        let c = PrintedCertificate(
            token: try CertificateFixtures.token(name: "<b>张&三</b>"), countyName: "长安区",
            schoolName: "\"一中\" <script>", hoursTenths: 520)
        let html = try CertificateDocument(certificates: [c], title: "a<b").html()
        #expect(!html.contains("<b>张") && !html.contains("<script>"))
        #expect(html.contains("&lt;b&gt;张&amp;三&lt;/b&gt;"))
        #expect(html.contains("&quot;一中&quot; &lt;script&gt;"))
        #expect(html.contains("<title>a&lt;b</title>"))
        #expect(html.contains("52学时"))
    }
}
