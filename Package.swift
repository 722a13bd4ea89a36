// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Earshot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "earshot", targets: ["earshot"]),
        .executable(name: "earshot-bench", targets: ["earshot-bench"]),
        .library(name: "EarshotCore", targets: ["EarshotCore"]),
        .library(name: "EarshotAudio", targets: ["EarshotAudio"]),
        .library(name: "EarshotStages", targets: ["EarshotStages"]),
        .library(name: "EarshotReport", targets: ["EarshotReport"]),
        .library(name: "EarshotWire", targets: ["EarshotWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // System libraries from Debian packages; variadic C calls get static inline wrappers in shim.h.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CSpeexDSP", pkgConfig: "speexdsp", providers: [.apt(["libspeexdsp-dev"])]),
        // No pkgConfig: its cflags carry -D flags SwiftPM refuses, and the shim declares what it needs itself.
        .systemLibrary(name: "CWebRtcVad", providers: [.apt(["libwebrtc-audio-processing-dev"])]),
        // Part of the C library: headers only, nothing to install or link.
        .systemLibrary(name: "CEpoll"),
        .systemLibrary(name: "CEspeakNG", pkgConfig: "espeak-ng", providers: [.apt(["libespeak-ng-dev"])]),
        .systemLibrary(name: "CPocketSphinx", pkgConfig: "pocketsphinx", providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]),

        .target(
            name: "EarshotCore",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")]),
        .target(
            name: "EarshotAudio",
            dependencies: [
                "EarshotCore", "CSndFile", "COpus", "CSpeexDSP",
                .product(name: "Yams", package: "Yams"),
            ]),
        // WebSocket connections to agents, and the protocols spoken over them, on swift-nio's event loops.
        .target(
            name: "EarshotWire",
            dependencies: [
                "EarshotCore", "CEpoll",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .target(
            name: "EarshotStages",
            dependencies: [
                "EarshotCore", "EarshotAudio", "EarshotWire", "CWebRtcVad", "CEspeakNG", "CPocketSphinx",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Presets")]),
        .target(
            name: "EarshotReport",
            dependencies: ["EarshotCore", .product(name: "CSV", package: "CSV.swift")]),
        .executableTarget(
            name: "earshot",
            dependencies: [
                "EarshotCore", "EarshotAudio", "EarshotStages", "EarshotReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .executableTarget(
            name: "earshot-bench",
            dependencies: [
                "EarshotCore", "EarshotAudio", "EarshotStages", "EarshotReport", "EarshotWire", "COpus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // What more than one test target needs (wall-clock tests on a shared machine, fuzzing).
        .target(name: "EarshotTestSupport", dependencies: ["EarshotCore"], path: "Tests/EarshotTestSupport"),
        .testTarget(name: "EarshotCoreTests", dependencies: ["EarshotCore", "EarshotTestSupport"]),
        .testTarget(name: "EarshotAudioTests", dependencies: ["EarshotAudio", "EarshotTestSupport"]),
        .testTarget(
            name: "EarshotStagesTests",
            dependencies: [
                "EarshotStages", "EarshotWire", "EarshotTestSupport",
                // NIOWebSocket's own codec is the reference our framing is checked against.
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "EarshotReportTests",
            dependencies: ["EarshotReport", "EarshotTestSupport", .product(name: "CSV", package: "CSV.swift")]),
        .testTarget(
            name: "EarshotCLITests",
            dependencies: ["earshot", "EarshotAudio", "EarshotWire", "EarshotTestSupport", .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v6]
)
