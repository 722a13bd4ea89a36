import EarshotCore
@testable import EarshotStages
import Foundation
import Testing

/// `llm-openai` over HTTPS from a private CA: refused without `ca_bundle`, trusted with it, the
/// handshake timed apart from the turns; a `ca_bundle` that cannot be used stops the load.
extension HTTPLLMStageTests {
    static func requireTLS() throws -> HTTPLLMTLSFront.Certificates {
        if let why = HTTPLLMTLSFront.unavailable { try Test.cancel(Comment(rawValue: why)) }
        return try HTTPLLMTLSFront.certificates.get()
    }

    /// One turn over HTTPS through a TLS front whose certificate the client must refuse: the turn's
    /// failure, what reached the server behind it, and the harness.
    static func refusedOverTLS(caBundle: String?, elsewhere: Bool = false) throws
        -> (reason: String, server: HTTPLLMTestServer, harness: StageHarness) {
        let server = try HTTPLLMTestServer([HTTPLLMTestServer.sse(["Hi"], first: .zero)])
        defer { server.stop() }
        let front = try HTTPLLMTLSFront(server, elsewhere: elsewhere)
        defer { front.stop() }
        var configuration = Self.configuration(server)
        configuration.baseURL = front.baseURL
        configuration.caBundle = caBundle
        let h = StageHarness(try HTTPLLMStage(configuration))
        Self.drain(h)
        return (try Self.failedTurn(h).reason, server, h)
    }

    @Test func aServerFromAPrivateCAIsRefusedWithoutCABundleNamingTheCertificateProblem() throws {
        _ = try Self.requireTLS()
        let (reason, server, h) = try Self.refusedOverTLS(caBundle: nil)
        #expect(reason.contains("certificate is not signed by a trusted CA") && reason.contains("CERTIFICATE_VERIFY_FAILED")
                && reason.contains("set ca_bundle"), "\(reason)")
        #expect(server.requests.isEmpty && server.openings.isEmpty, "nothing may reach the server over an untrusted connection")
        Self.expectNoKey(h)
    }

    @Test func aCABundleThatDidNotSignTheServersCertificateSaysSo() throws {
        let certificates = try Self.requireTLS()
        let (reason, server, _) = try Self.refusedOverTLS(caBundle: certificates.otherCA)
        #expect(reason.contains("CERTIFICATE_VERIFY_FAILED") && reason.contains("no CA in ca_bundle (\(certificates.otherCA))"), "\(reason)")
        #expect(server.requests.isEmpty)
    }

    /// A trusted certificate for another name is no better than an untrusted one.
    @Test func aCertificateThatDoesNotNameTheHostFailsTheTurnSayingSo() throws {
        let certificates = try Self.requireTLS()
        let (reason, server, _) = try Self.refusedOverTLS(caBundle: certificates.ca, elsewhere: true)
        #expect(reason.contains("does not name the host"), "\(reason)")
        #expect(server.requests.isEmpty)
    }

    /// With the CA in `ca_bundle` every turn streams, over one TLS connection opened before the
    /// first turn; the handshake, held back `handshakeMs` by the server, is the recorded set-up
    /// and no part of any turn's time to first token.
    @Test func withTheCAInCABundleTurnsStreamOverOneKeptTLSConnection() throws {
        let certificates = try Self.requireTLS()
        let handshakeMs = 300, firstMs = 20
        let server = try HTTPLLMTestServer((0..<2).map { _ in HTTPLLMTestServer.sse(["Se", "cure"], first: .milliseconds(firstMs)) })
        defer { server.stop() }
        let front = try HTTPLLMTLSFront(server, handshakeDelay: .milliseconds(handshakeMs))
        defer { front.stop() }
        var configuration = Self.configuration(server)
        configuration.baseURL = front.baseURL + "/v1"
        configuration.caBundle = certificates.ca
        let stage = try HTTPLLMStage(configuration)
        let h = StageHarness(stage)
        Self.drain(h)
        let connect = try #require(stage.connectTime)
        #expect(connect >= .milliseconds(handshakeMs) && connect < .milliseconds(handshakeMs + 1_500), "set-up \(connect)")
        #expect(h.connections == [connect])
        for turn in 1...2 {
            let asked = h.now
            try h.feed(Self.final("turn \(turn)"), turn: turn)
            Self.drain(h)
            let first = try #require(h.marks[turn]?[.llmFirstToken])
            let ttft = (first - asked).milliseconds
            #expect(ttft >= Double(firstMs) && ttft < Double(handshakeMs), "turn \(turn): ttft \(ttft) ms")
        }
        #expect(h.failures.isEmpty, "\(h.failures)")
        #expect(h.emitted.compactMap(\.text?.text).joined() == "SecureSecure")
        #expect(server.openings.count == 1 && server.requests.count == 2)
        #expect(server.connections == 1, "\(server.connections) TLS connections")
        #expect(h.finish().isClean)
    }

    @Test func aCABundleThatIsMissingOrNotPEMStopsTheLoadNamingTheSetting() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-bundle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let notPEM = directory.appendingPathComponent("notes.pem")
        try "not a certificate\n".write(to: notPEM, atomically: true, encoding: .utf8)
        let broken = directory.appendingPathComponent("broken.pem")
        try "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".write(to: broken, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("missing.pem").path
        for (path, message) in [(missing, "ca_bundle: cannot read \(missing): no such file"),
                                (notPEM.path, "ca_bundle: \(notPEM.path) holds no PEM certificate"),
                                (broken.path, "ca_bundle: \(broken.path) holds no PEM certificate"),
                                (directory.path, "ca_bundle: cannot read \(directory.path): it is a directory")] {
            let error = try #require(Self.loadError("    base_url: https://127.0.0.1:8443\n    ca_bundle: \(path)\n"))
            #expect(error.message.contains(message), "\(error)")
            #expect(error.file == "net.yaml" && error.line == 3, "\(error)")
        }
        // The CA's own PEM loads, and an empty setting trusts the system's store.
        if HTTPLLMTLSFront.unavailable == nil, let certificates = try? HTTPLLMTLSFront.certificates.get() {
            let stage = try Self.load("    base_url: https://127.0.0.1:8443\n    ca_bundle: \(certificates.ca)\n")
            #expect(stage.configuration.caBundle == certificates.ca && stage.endpoint.connection.trustRoots?.count == 1)
        }
        let plain = try Self.load("    base_url: https://127.0.0.1:8443\n    ca_bundle: \"\"\n")
        #expect(plain.configuration.caBundle == nil && plain.endpoint.connection.trustRoots == nil)
    }
}
