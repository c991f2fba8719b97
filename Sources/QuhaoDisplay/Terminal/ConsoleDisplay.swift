import Foundation
import LiveBoard
import Speech

/// `quhao display`: follows a site's board and either draws the console board full screen or
/// writes one JSON line per event; runs the announce command for each new call.
///
/// Runs until its task is cancelled; the terminal is restored on the way out.
public final class ConsoleDisplay: Sendable {
    public enum Output: Sendable {
        /// The full-screen board on the terminal.
        case screen
        /// One ``DisplayEvent`` per line on standard output.
        case jsonLines
    }

    let site: String
    let feed: any BoardFeed
    let output: Output
    let announcer: Announcer?
    let now: @Sendable () -> Date
    let terminal = Terminal()
    let state = DisplayState()

    /// Seconds a new call stays highlighted.
    static let flashSeconds: Double = 8

    public init(site: String, feed: any BoardFeed, output: Output, announce: CommandTemplate?, now: @escaping @Sendable () -> Date = Date.init) {
        self.site = site
        self.feed = feed
        self.output = output
        self.announcer = announce.map { Announcer(command: $0) }
        self.now = now
    }

    /// Follows the board until cancelled.
    public func run() async {
        if output == .screen {
            terminal.write(Terminal.enter)
            let resize = DispatchSource.makeSignalSource(signal: SIGWINCH)
            signal(SIGWINCH, SIG_IGN)
            resize.setEventHandler { [self] in Task { await self.draw() } }
            resize.resume()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.follow() }
                group.addTask { await self.tickClock() }
                group.addTask { await self.followHallCode() }
                await group.next()
                group.cancelAll()
            }
            resize.cancel()
            // Through the state's actor: no frame can follow it (a late redraw is dropped).
            await state.close(terminal)
        } else {
            await follow()
        }
    }

    /// Long-polls the board; announces new calls; marks the connection lost and retries.
    func follow() async {
        var tracker = CallTracker()
        var previous: BoardUpdate?
        var failures = 0
        while !Task.isCancelled {
            do {
                let update = try await feed.next(after: previous, wait: 25)
                if failures > 0 || previous == nil { await connection(lost: false, wasLost: failures > 0) }
                failures = 0
                if update.etag != previous?.etag {
                    let fresh = tracker.newCalls(in: update.board)
                    await state.set(board: update.board, flashUntil: fresh.isEmpty ? nil : now().addingTimeInterval(Self.flashSeconds))
                    for call in fresh {
                        if output == .jsonLines { emit(DisplayEvent.call(call, site: site)) }
                        await announcer?.announce(call)
                    }
                    await draw()
                }
                previous = update
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 { await connection(lost: true, wasLost: false) }
                try? await Task.sleep(for: .seconds(min(10, 1 << min(failures - 1, 4))))
            }
        }
    }

    func connection(lost: Bool, wasLost: Bool) async {
        await state.set(offline: lost)
        if output == .jsonLines, lost || wasLost { emit(DisplayEvent.connection(lost: lost, site: site, at: now())) }
        await draw()
    }

    /// Redraws each second: the clock, and the end of a highlight.
    func tickClock() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            await draw()
        }
    }

    /// Keeps the QR's address current (a rotating code changes every minute).
    func followHallCode() async {
        while !Task.isCancelled {
            let code = try? await feed.hallCode()
            await state.set(hallURL: code?.url)
            await draw()
            try? await Task.sleep(for: .seconds(max(5, (code?.refreshIn ?? 60) + 1)))
        }
    }

    func draw() async {
        guard output == .screen else { return }
        await state.draw(on: terminal, now: now())
    }

    func emit(_ event: DisplayEvent) {
        terminal.write(event.jsonLine + "\n")
    }
}

/// What the console board shows, changed by the feed, the clock and the QR.
actor DisplayState {
    private var board: BoardView?
    private var hallURL: String?
    private var offline = false
    private var flashUntil: Date?
    private var closed = false

    /// Gives the terminal back; nothing is drawn after.
    func close(_ terminal: Terminal) {
        closed = true
        terminal.write(Terminal.leave)
    }

    func set(board: BoardView, flashUntil: Date?) {
        self.board = board
        if let flashUntil { self.flashUntil = flashUntil }
    }

    func set(offline: Bool) { self.offline = offline }

    func set(hallURL: String?) { self.hallURL = hallURL }

    func board(now: Date) -> ConsoleBoard {
        ConsoleBoard(board: board, hallURL: hallURL, offline: offline, flashing: flashUntil.map { now < $0 } ?? false, now: now)
    }

    /// Draws a frame; frames never interleave (the actor draws one at a time).
    func draw(on terminal: Terminal, now: Date) {
        guard !closed else { return }
        let size = terminal.size()
        terminal.write(Terminal.frame(board(now: now).render(width: size.width, height: size.height)))
    }
}
