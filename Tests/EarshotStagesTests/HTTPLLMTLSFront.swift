import Foundation

/// HTTPS for the `llm-openai` tests: a private CA and a server certificate for 127.0.0.1 made
/// with `openssl` when first needed, and a TLS front (Python's `ssl`) that does the handshake —
/// after an optional delay, so a slow handshake can be told from a slow answer — and passes the
/// bytes on to an `HTTPLLMTestServer`. One backend connection per TLS connection, so the test
/// server's connection count is the client's.
final class HTTPLLMTLSFront: @unchecked Sendable {
    /// Paths of the PEM files a test reads; made once per test process.
    struct Certificates: Sendable {
        let directory: URL
        var ca: String { directory.appendingPathComponent("ca.pem").path }
        /// A CA that signed nothing the server shows.
        var otherCA: String { directory.appendingPathComponent("other-ca.pem").path }
        var server: String { directory.appendingPathComponent("server.pem").path }
        var serverKey: String { directory.appendingPathComponent("server.key").path }
        /// Signed by `ca` for elsewhere.test only.
        var elsewhere: String { directory.appendingPathComponent("elsewhere.pem").path }
    }

    /// Why the TLS tests cannot run here, or nil.
    static let unavailable: String? = {
        for tool in ["openssl", "python3"] where !onPath(tool) { return "\(tool) is not on PATH: the TLS tests make their certificates with openssl and serve TLS with Python's ssl module" }
        return nil
    }()

    static let certificates: Result<Certificates, CertificateError> = makeCertificates()

    struct CertificateError: Error, CustomStringConvertible {
        var description: String
    }

    let port: UInt16
    private let process: Process
    private let input: Pipe

    /// A TLS front for `backend`, showing the certificate for 127.0.0.1 signed by `certificates.ca`,
    /// or with `elsewhere` one the same CA signed for another name.
    convenience init(_ backend: HTTPLLMTestServer, handshakeDelay: Duration = .zero, elsewhere: Bool = false) throws {
        try self.init(backendPort: Int(backend.port), handshakeDelay: handshakeDelay, elsewhere: elsewhere)
    }

    /// A TLS front for whatever listens on 127.0.0.1:`backendPort` (a WebSocket agent, say).
    init(backendPort: Int, handshakeDelay: Duration = .zero, elsewhere: Bool = false) throws {
        let certificates = try Self.certificates.get()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, elsewhere ? certificates.elsewhere : certificates.server,
                             certificates.serverKey, String(backendPort),
                             String(Double(handshakeDelay.nanoseconds) / 1e9)]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The script prints its port once it listens.
        let line = String(decoding: output.fileHandleForReading.availableLine(), as: UTF8.self)
        guard let port = UInt16(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            try? input.fileHandleForWriting.close()
            process.terminate()
            throw CertificateError(description: "the TLS front did not start: \(line)")
        }
        self.port = port
    }

    deinit { stop() }

    var baseURL: String { "https://127.0.0.1:\(port)" }

    /// Closing its input ends the script.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    /// All TLS work for a connection on one thread: an `ssl` socket is not to be read and written
    /// from two at once.
    private static let script = """
        import select, socket, ssl, sys, threading, time
        cert, key, backend, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.set_alpn_protocols(["http/1.1"])
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        print(listener.getsockname()[1], flush=True)

        def serve(raw):
            time.sleep(delay)
            try:
                tls = context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                return
            up = socket.create_connection(("127.0.0.1", backend))
            try:
                while True:
                    readable = [tls] if tls.pending() else select.select([tls, up], [], [], 60)[0]
                    if not readable:
                        return
                    if tls in readable:
                        data = tls.recv(65536)
                        if not data:
                            return
                        up.sendall(data)
                    if up in readable:
                        data = up.recv(65536)
                        if not data:
                            return
                        tls.sendall(data)
            except (ssl.SSLError, OSError):
                pass
            finally:
                up.close()
                tls.close()

        def accept():
            while True:
                raw, _ = listener.accept()
                threading.Thread(target=serve, args=(raw,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        sys.stdin.read()
        """

    private static func onPath(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    private static func makeCertificates() -> Result<Certificates, CertificateError> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-tls-\(getpid())-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
                .write(to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
            try "subjectAltName=DNS:elsewhere.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
                .write(to: directory.appendingPathComponent("elsewhere.ext"), atomically: true, encoding: .utf8)
        } catch {
            return .failure(CertificateError(description: "cannot prepare \(directory.path): \(error)"))
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let ca = ["-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        let steps: [[String]] = [
            ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Earshot Test CA"] + ca,
            ["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-subj", "/CN=Earshot Other CA"] + ca,
            ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
             "-days", "2", "-extfile", "server.ext"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "elsewhere.pem",
             "-days", "2", "-extfile", "elsewhere.ext"],
        ]
        for arguments in steps {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = directory
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            do { try process.run() } catch { return .failure(CertificateError(description: "openssl: \(error)")) }
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                return .failure(CertificateError(description: "openssl \(arguments.joined(separator: " ")) failed: \(text)"))
            }
        }
        return .success(Certificates(directory: directory))
    }
}

private extension FileHandle {
    /// Bytes up to the first newline (or the end), read one at a time so nothing after it is taken.
    func availableLine() -> Data {
        var line = Data()
        while let byte = try? read(upToCount: 1), let b = byte.first, b != 0x0A { line.append(b) }
        return line
    }
}
