// swift-tools-version:6.1
import PackageDescription

// MARK: - Dependencies (offline copies exist on the build machines; use listed versions with `from:`)

let argumentParser = Package.Dependency.package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0")
let swiftLog = Package.Dependency.package(url: "https://github.com/apple/swift-log.git", from: "1.16.0")
let swiftCrypto = Package.Dependency.package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0")
let grdb = Package.Dependency.package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0")
let hummingbird = Package.Dependency.package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0")
let yams = Package.Dependency.package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0")
let hummingbirdAuth = Package.Dependency.package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0")
let mustache = Package.Dependency.package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0")
let serviceLifecycle = Package.Dependency.package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0")
// Already under Hummingbird; named for the long-poll channel handler (QuhaoHTTP/Support/LongPollParking.swift).
let nio = Package.Dependency.package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0")
let nioExtras = Package.Dependency.package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.25.0")
let httpTypes = Package.Dependency.package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0")
// HTTPS without a proxy (server.tls): Hummingbird's TLS channel over NIOSSL.
let nioSSL = Package.Dependency.package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.36.0")
// Reading the units spreadsheet (quhao units import).
let swiftCSV = Package.Dependency.package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0")
// Photo uploads (rectifications): multipart/form-data.
let multipartKit = Package.Dependency.package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0")
// /metrics: the store and the server measure through swift-metrics, exposed by swift-prometheus.
let swiftMetrics = Package.Dependency.package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0")
let prometheus = Package.Dependency.package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1")
// The city's engine: PostgreSQL (QuhaoStore/Engine/Postgres*).
let postgresNIO = Package.Dependency.package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0")
// Webhook deliveries.
let asyncHTTPClient = Package.Dependency.package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0")

/// Compiler settings shared by every target (Hummingbird's choice of upcoming features).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "quhao",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "quhao", targets: ["quhao"])
    ],
    dependencies: [
        argumentParser, swiftLog, swiftCrypto, grdb, hummingbird, hummingbirdAuth, mustache, yams, serviceLifecycle, nio, nioExtras, httpTypes,
        nioSSL,
        swiftCSV, multipartKit, swiftMetrics, prometheus, asyncHTTPClient, postgresNIO,
    ],
    targets: [
        // Pure domain: value types and rules, Foundation only.
        // Resources are embedded in code, never copied: the binary runs where it is installed.
        .target(
            name: "QuhaoCore", resources: [.embedInCode("Resources/i18n/en.json"), .embedInCode("Resources/i18n/zh-CN.json")],
            swiftSettings: swiftSettings),
        // The queue's state: schema, migrations, atomic commands, event log, over SQLite (GRDB) or PostgreSQL (postgres-nio).
        .target(
            name: "QuhaoStore",
            dependencies: [
                "QuhaoCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the store's results look like outside it: report tables (CSV, text), JSON, the units spreadsheet.
        .target(
            name: "QuhaoFormats",
            dependencies: ["QuhaoCore", "QuhaoStore", .product(name: "SwiftCSV", package: "SwiftCSV")],
            swiftSettings: swiftSettings
        ),
        // What proves a phone is in the hall: rotating codes (TOTP of a site secret), display keys.
        .target(
            name: "Presence",
            dependencies: [
                "QuhaoCore", "QuhaoStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // Per-site snapshots of the board and tickets, rebuilt after each change; long-poll waiters.
        .target(name: "LiveBoard", dependencies: ["QuhaoCore"], swiftSettings: swiftSettings),
        // The YAML configuration file: decoding, validation with paths, the built-in demo.
        .target(
            name: "QuhaoConfig",
            dependencies: ["QuhaoCore", "Notify", .product(name: "Yams", package: "Yams")],
            resources: [.embedInCode("Resources/demo.yaml")],
            swiftSettings: swiftSettings
        ),
        // The source scenario's canteen supervision (110 / 33 / 30), built through the store's commands.
        .target(name: "CanteenDemo", dependencies: ["QuhaoCore", "QuhaoStore"], path: "seeds/CanteenDemo", swiftSettings: swiftSettings),
        // libqrencode, as a system library.
        .systemLibrary(
            name: "CQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .target(name: "QRCode", dependencies: ["CQREncode"], swiftSettings: swiftSettings),
        // Spoken calls: the speech command (values through the environment, never the shell line), WAV, the chime.
        .target(
            name: "Speech",
            dependencies: ["QuhaoCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Displays: the console board, the announce command, JSON-lines events.
        .target(
            name: "QuhaoDisplay",
            dependencies: [
                "QuhaoCore", "QRCode", "LiveBoard", "Speech",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Printed tickets: ESC/POS for 58/80 mm thermal printers (GB18030 text, the QR as a raster), network or device printers.
        .target(
            name: "Printing",
            dependencies: [
                "QuhaoCore", "QuhaoStore", "QRCode", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ], swiftSettings: swiftSettings),
        // Outgoing webhooks: the outbox's deliverer (async-http-client), signatures.
        .target(
            name: "Webhooks",
            dependencies: [
                "QuhaoCore", "QuhaoStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Messages to visitors (issue 23): an SMS provider's HTTP API described as data, the request built and signed.
        .target(
            name: "Notify",
            dependencies: [
                "QuhaoCore", "QuhaoStore", "Webhooks", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP (Hummingbird 2).
        .target(
            name: "QuhaoHTTP",
            dependencies: [
                "QuhaoCore", "QuhaoStore", "QuhaoFormats", "QRCode", "LiveBoard", "Speech", "Presence", "Printing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // Embedded (Support/EmbeddedFiles.swift names each one; a test checks none is missing).
            resources: [
                "admin-district", "admin-inspections", "admin-reports", "admin-unit", "admin-units", "admin-webhooks", "book", "booking", "display",
                "inspect",
                "inspection", "inspection-sheet", "kiosk", "office-complaints", "office-due", "office-findings", "office-plan", "office-plans",
                "plan-notice", "plan-notices", "poster",
                "shared/answer-history",
                "shared/head",
                "shared/staff-nav",
                "shared/unit-form",
                "staff-console", "staff-login", "staff-pick", "take", "ticket", "unit", "unit-code",
            ]
            .map { .embedInCode("Resources/templates/\($0).mustache") }
                + [
                    "app.css", "console.js", "display.css", "display.js", "inspection.js", "kiosk.css", "kiosk.js", "staff.css", "staff.js",
                    "take.js",
                    "ticket.js",
                ]
                .map { .embedInCode("Resources/static/\($0)") },
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "quhao",
            dependencies: [
                "QuhaoCore", "QuhaoStore", "QuhaoFormats", "QuhaoConfig", "QRCode", "QuhaoHTTP", "QuhaoDisplay", "LiveBoard", "Presence", "Speech",
                "CanteenDemo",
                "Webhooks", "Printing", "Notify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmark helpers (bench/run): the ceiling server and the seeder. Not shipped.
        .executableTarget(
            name: "QuhaoBench",
            dependencies: [
                "QuhaoCore", "QuhaoStore", "QuhaoConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "bench/QuhaoBench",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests (one target per library target)
        .testTarget(name: "QuhaoCoreTests", dependencies: ["QuhaoCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QuhaoStoreTests",
            dependencies: [
                "QuhaoStore", "QuhaoFormats", "QuhaoCore", "LiveBoard", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CanteenDemoTests", dependencies: ["CanteenDemo", "QuhaoStore", "QuhaoCore", "QuhaoConfig"], path: "Tests/CanteenDemoTests",
            swiftSettings: swiftSettings),
        .testTarget(name: "WebhooksTests", dependencies: ["Webhooks"], swiftSettings: swiftSettings),
        .testTarget(name: "NotifyTests", dependencies: ["Notify", "QuhaoStore", "QuhaoCore"], swiftSettings: swiftSettings),
        .testTarget(name: "PrintingTests", dependencies: ["Printing", "QRCode", "QuhaoCore", "QuhaoStore"], swiftSettings: swiftSettings),
        .testTarget(name: "LiveBoardTests", dependencies: ["LiveBoard", "QuhaoCore"], swiftSettings: swiftSettings),
        .testTarget(name: "QuhaoConfigTests", dependencies: ["QuhaoConfig", "QuhaoCore", "Notify"], swiftSettings: swiftSettings),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode"], swiftSettings: swiftSettings),
        .testTarget(name: "SpeechTests", dependencies: ["Speech", "QuhaoCore"], swiftSettings: swiftSettings),
        .testTarget(name: "PresenceTests", dependencies: ["Presence", "QuhaoCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QuhaoDisplayTests", dependencies: ["QuhaoDisplay", "QuhaoCore", "LiveBoard", "QRCode", "Speech"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QuhaoHTTPTests",
            dependencies: [
                "QuhaoHTTP", "QuhaoStore", "QuhaoCore", "Speech", "Presence",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "LiveBoard",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
