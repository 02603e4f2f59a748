import TrainingDomain

/// A print-ready HTML document of certificates: one per A4 page, Chinese text, the serial, the verification
/// code and the QR symbol of the signed token.
///
/// The document is self-contained (inline CSS and SVG, no scripts, no network) and prints from any browser, or
/// to PDF with `chromium --headless --print-to-pdf` (docs/CERTIFICATES.md). Every text from the data is escaped.
/// Each page's section carries its serial and token as `data-serial` and `data-token` (the QR symbol's text), for
/// tools that check a printed batch.
public struct CertificateDocument: Sendable {
    /// The certificates, in print order.
    public let certificates: [PrintedCertificate]
    /// The document's title (the batch: county and year).
    public let title: String

    public init(certificates: [PrintedCertificate], title: String) {
        self.certificates = certificates
        self.title = title
    }

    /// The font stack: the CJK fonts Debian ships (fonts-noto-cjk, fonts-wqy-zenhei), then any serif.
    static let fontStack = "\"Noto Serif CJK SC\", \"Noto Sans CJK SC\", \"WenQuanYi Zen Hei\", serif"

    static let style = """
        @page { size: A4; margin: 0 }
        * { box-sizing: border-box }
        html, body { margin: 0; padding: 0 }
        body { font-family: \(fontStack); color: #1a1a1a; -webkit-print-color-adjust: exact; print-color-adjust: exact }
        .certificate { width: 210mm; height: 297mm; padding: 22mm 20mm; position: relative; overflow: hidden;
            page-break-after: always; break-after: page }
        .frame { border: 3mm double #9b1c1c; height: 100%; padding: 18mm 16mm; display: flex; flex-direction: column }
        .programme { text-align: center; font-size: 13pt; letter-spacing: 0.1em; margin: 0 }
        h1 { text-align: center; font-size: 30pt; letter-spacing: 0.3em; color: #9b1c1c; margin: 10mm 0 14mm }
        .body { font-size: 15pt; line-height: 2.1; text-indent: 2em; margin: 0 }
        .name { font-size: 18pt; font-weight: bold; padding: 0 0.3em }
        .facts { margin: 12mm 0 0; font-size: 12pt; line-height: 1.9 }
        .facts dt { float: left; width: 7em }
        .facts dd { margin: 0 0 0 7em }
        .verify { margin-top: auto; display: flex; align-items: flex-end; gap: 8mm }
        .verify .code { font-family: "DejaVu Sans Mono", monospace; font-size: 14pt; letter-spacing: 0.08em }
        .verify p { margin: 0; font-size: 10pt; line-height: 1.6 }
        """

    /// The HTML text (UTF-8 when written out).
    ///
    /// - Throws: ``CertificateError`` `certificate.qr_failed` if a token cannot be put in a QR symbol.
    public func html() throws(CertificateError) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>\(HTMLText.escape(title))</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body>

            """
        for certificate in certificates {
            out += try Self.section(certificate)
        }
        out += "</body>\n</html>\n"
        return out
    }

    static func section(_ c: PrintedCertificate) throws(CertificateError) -> String {
        let p = c.token.payload
        let e = HTMLText.escape
        let qr = try QRSymbol(encoding: c.token.text).svg()
        let school = c.schoolName.map { "<dt>学校</dt><dd>\(e($0))</dd>\n" } ?? ""
        return """
            <section class="certificate" data-serial="\(e(p.serial))" data-token="\(e(c.token.text))">
            <div class="frame">
            <p class="programme">河北省中小学校及幼儿园教师全员远程培训</p>
            <h1>教师培训合格证书</h1>
            <p class="body"><span class="name">\(e(p.name))</span>老师参加\(p.year)年度河北省中小学校及幼儿园教师\
            全员远程培训，完成培训\(e(c.hoursText))学时，经考核合格，特发此证。</p>
            <dl class="facts">
            <dt>县（市、区）</dt><dd>\(e(c.countyName))（\(e(p.countyCode))）</dd>
            \(school)<dt>年度</dt><dd>\(p.year)年度</dd>
            <dt>学时</dt><dd>\(e(c.hoursText))学时</dd>
            <dt>证书编号</dt><dd>\(e(p.serial))</dd>
            <dt>发证日期</dt><dd>\(e(Self.chineseDate(p.issueDate)))</dd>
            </dl>
            <div class="verify">
            \(qr)
            <div>
            <p>验证码</p>
            <p class="code">\(e(c.token.code.description))</p>
            <p>扫描二维码或输入验证码，可核验本证书真伪。</p>
            </div>
            </div>
            </div>
            </section>

            """
    }

    /// `2019-12-20` as `2019年12月20日`.
    static func chineseDate(_ iso: String) -> String {
        let parts = iso.split(separator: "-")
        guard parts.count == 3, let m = Int(parts[1]), let d = Int(parts[2]) else { return iso }
        return "\(parts[0])年\(m)月\(d)日"
    }
}
