import EarshotCore
import Foundation
import NIOSSL

/// How `llm-openai` reaches its server: the certificates it trusts and the proxy it goes through.
/// Worked out once, when the stage is made, so a bad CA bundle or proxy setting stops the run at
/// load time (exit 2) rather than failing every turn.
struct HTTPConnectionSettings: Sendable {
    /// The CA certificates of `ca_bundle`, trusted instead of the system's; nil trusts the system's.
    var trustRoots: [NIOSSLCertificate]?
    /// The `ca_bundle` path, for messages.
    var caBundle: String?
    var proxy: Proxy?

    /// An HTTP proxy, reached in plain text and asked to `CONNECT` to the server (for http too).
    struct Proxy: Sendable, Equatable {
        var host: String
        var port: Int
        var user: String?
        var password: String?
        /// The variable it came from, for messages.
        var variable: String
    }

    /// Reads the CA bundle; chooses the proxy for `url` from `environment`.
    init(caBundle: String?, url: URL, environment: [String: String]) throws {
        self.caBundle = caBundle
        if let caBundle { trustRoots = try Self.certificates(inBundle: caBundle) }
        proxy = try Self.proxy(for: url, environment: environment)
    }

    /// Every certificate in a PEM file. A missing file, or one with no PEM certificate in it, is an
    /// input error naming the setting: a bundle that trusts nothing would fail every turn.
    static func certificates(inBundle path: String) throws -> [NIOSSLCertificate] {
        guard !path.isEmpty else { throw InputError("ca_bundle must name a PEM file") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError("ca_bundle: cannot read \(path): no such file")
        }
        guard !isDirectory.boolValue else { throw InputError("ca_bundle: cannot read \(path): it is a directory, not a PEM file") }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InputError("ca_bundle: cannot read \(path): \(SystemErrorText.describe(error))")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("-----BEGIN CERTIFICATE-----"),
              let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty else {
            throw InputError("ca_bundle: \(path) holds no PEM certificate (-----BEGIN CERTIFICATE----- blocks)")
        }
        return certificates
    }

    /// The proxy `url` goes through, from the variables curl reads: `https_proxy` (or
    /// `HTTPS_PROXY`) for https, `http_proxy` for http — never `HTTP_PROXY`, which a CGI program
    /// gets from a request's `Proxy:` header — unless `no_proxy` (or `NO_PROXY`) names the host.
    /// An empty variable is unset. `no_proxy` is a comma-separated list of host names, each
    /// matching itself and its subdomains (a leading `.` changes nothing), and of IP addresses
    /// matching themselves; a `:port` on an entry is ignored, and `*` alone turns every proxy off.
    static func proxy(for url: URL, environment: [String: String]) throws -> Proxy? {
        func value(_ name: String) -> (name: String, value: String)? {
            environment[name].flatMap { $0.isEmpty ? nil : (name, $0) }
        }
        let https = url.scheme?.lowercased() == "https"
        guard let (variable, setting) = https ? value("https_proxy") ?? value("HTTPS_PROXY") : value("http_proxy") else {
            return nil
        }
        let host = (url.host ?? "").lowercased()
        if let list = value("no_proxy") ?? value("NO_PROXY"), bypasses(host: host, list: list.value) { return nil }
        return try parse(setting, variable: variable)
    }

    static func bypasses(host: String, list: String) -> Bool {
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        for raw in list.split(whereSeparator: { $0 == "," || $0 == " " }) {
            var entry = raw.lowercased()
            if entry == "*" { return true }
            if entry.hasPrefix("[") {
                // [::1] or [::1]:8080
                guard let close = entry.firstIndex(of: "]") else { continue }
                entry = String(entry[entry.index(after: entry.startIndex)..<close])
            } else if entry.filter({ $0 == ":" }).count == 1 {
                entry = String(entry.prefix { $0 != ":" })
            }
            while entry.hasPrefix(".") { entry.removeFirst() }
            guard !entry.isEmpty else { continue }
            if host == entry || host.hasSuffix("." + entry) { return true }
        }
        return false
    }

    /// `host:port`, `http://host:port` or `http://user:password@host:port/`; the port defaults to 80
    /// (1080 is not assumed: only HTTP proxies are spoken to).
    static func parse(_ setting: String, variable: String) throws -> Proxy {
        let written = setting.contains("://") ? setting : "http://" + setting
        let shown = HTTPLLMEndpoint.redacted(written)
        guard let components = URLComponents(string: written), let host = components.host, !host.isEmpty else {
            throw InputError("\(variable) \"\(shown)\" is not a proxy URL (http://host:port)")
        }
        guard components.scheme?.lowercased() == "http" else {
            throw InputError("\(variable) \"\(shown)\": only an http:// proxy is supported (it is asked to CONNECT to the server)")
        }
        return Proxy(host: host, port: components.port ?? 80,
                     user: components.user?.removingPercentEncoding, password: components.password?.removingPercentEncoding,
                     variable: variable)
    }
}
