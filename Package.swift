// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "teachersync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "teachersync", targets: ["teachersync"]),
        .executable(name: "teachersync-bench", targets: ["teachersync-bench"]),
        .executable(name: "teachersync-netbench", targets: ["teachersync-netbench"]),
        .executable(name: "teachersync-fuzz-changeset", targets: ["teachersync-fuzz-changeset"]),
        .executable(name: "teachersync-fuzz-csv", targets: ["teachersync-fuzz-csv"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // Pure protocol core: clocks, operations, change sets, encoding, signatures, merge, scope rules.
        .target(
            name: "SyncCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Pure domain: the teacher-training records, their validation and table declarations.
        .target(
            name: "TrainingDomain",
            dependencies: ["SyncCore", .product(name: "CSV", package: "CSV.swift")],
            swiftSettings: strict
        ),
        // Pure assessment policy: the hub's versioned policy document and the engine that assesses a teacher's year.
        .target(name: "AssessmentPolicy", swiftSettings: strict),
        // Debian's libqrencode (libqrencode-dev), for the QR symbols of printed certificates.
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // Pure certificates: the hub-signed token, the verification code, the QR symbol and the printed page.
        .target(
            name: "Certificates",
            dependencies: [
                "SyncCore", "TrainingDomain", "CQREncode", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The SQLite replica: migrations, operation log, sealing, apply, quarantine, conflicts, bundles.
        .target(
            name: "SQLiteReplica",
            dependencies: [
                "SyncCore", "TrainingDomain", "AssessmentPolicy", "Certificates",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: strict
        ),
        // The HTTP transport: the hub's server routes, request authentication, and the node's client.
        .target(
            name: "SyncTransport",
            dependencies: [
                "SyncCore", "SQLiteReplica", "TrainingDomain", "AssessmentPolicy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The services: the county daemon (local API, sync scheduler), configuration, systemd integration.
        .target(
            name: "SyncServices",
            dependencies: [
                "SyncCore", "SQLiteReplica", "TrainingDomain", "SyncTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Test support shipped like product code: manual clock, key fixtures, data generators.
        .target(
            name: "SyncTestSupport",
            dependencies: ["SyncCore", "TrainingDomain"],
            swiftSettings: strict
        ),
        // The command-line interface: one file per subcommand.
        .target(
            name: "TeacherSyncCLI",
            dependencies: [
                "SyncCore", "TrainingDomain", "SQLiteReplica", "SyncTestSupport", "SyncTransport", "SyncServices",
                "AssessmentPolicy", "Certificates", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "teachersync", dependencies: ["TeacherSyncCLI"], swiftSettings: strict),
        // What both benchmarks share: timing and the facts of the machine they ran on.
        .target(
            name: "BenchSupport", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .executableTarget(
            name: "teachersync-bench",
            dependencies: [
                "BenchSupport", "SyncCore", "TrainingDomain", "SQLiteReplica", "SyncTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The network benchmark: a hub process and county replicas syncing over loopback (docs/BENCHMARKS.md).
        .executableTarget(
            name: "teachersync-netbench",
            dependencies: [
                "BenchSupport", "SyncCore", "TrainingDomain", "SQLiteReplica", "SyncTestSupport", "SyncTransport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        // Fuzz targets (scripts/fuzz.sh builds them with libFuzzer; built normally they replay a corpus).
        .target(name: "FuzzSupport", path: "Fuzz/Support", swiftSettings: strict),
        .executableTarget(
            name: "teachersync-fuzz-changeset",
            dependencies: ["FuzzSupport", "SyncCore", "TrainingDomain", "SyncTestSupport"],
            path: "Fuzz/ChangeSet", swiftSettings: strict),
        .executableTarget(
            name: "teachersync-fuzz-csv", dependencies: ["FuzzSupport", "TrainingDomain"], path: "Fuzz/CSV",
            swiftSettings: strict),
        .testTarget(
            name: "SyncCoreTests", dependencies: ["SyncCore", "TrainingDomain", "SyncTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "TrainingDomainTests", dependencies: ["TrainingDomain", "SyncTestSupport"], swiftSettings: strict),
        .testTarget(name: "AssessmentPolicyTests", dependencies: ["AssessmentPolicy"], swiftSettings: strict),
        .testTarget(
            name: "SQLiteReplicaTests",
            dependencies: [
                "SQLiteReplica", "SyncCore", "TrainingDomain", "SyncTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CertificatesTests",
            dependencies: ["Certificates", "SyncCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests", dependencies: ["SyncTestSupport", "SQLiteReplica", "SyncCore", "TrainingDomain"],
            swiftSettings: strict),
        .testTarget(
            name: "SyncServicesTests",
            dependencies: ["SyncServices", "SyncCore", "SQLiteReplica", "SyncTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SyncTransportTests",
            dependencies: ["SyncTransport", "SQLiteReplica", "SyncCore", "SyncTestSupport"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
