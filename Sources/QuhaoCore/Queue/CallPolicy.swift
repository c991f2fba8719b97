import Foundation

/// Chooses which ticket a counter calls next, from the head of each priority class.
///
/// The store finds, with indexed queries, the first waiting ticket of each class among the
/// counter's services (green channel; appointments inside their slot; everyone else in the
/// counter's call order), and this policy picks one:
/// green first, then in-slot appointments, then normal, except that after
/// ``QueueRules/priorityBurst`` priority calls in a row one normal ticket is taken, so the
/// normal queue never starves.
public enum CallPolicy {
    /// The choice and whether it counts as a priority call (for the streak).
    public struct Choice<Candidate> {
        public let candidate: Candidate
        public let isPriority: Bool
    }

    /// Picks the next ticket.
    /// - Parameters:
    ///   - green: Head of the green channel, if any.
    ///   - appointment: Head of the appointments inside their slot, if any.
    ///   - normal: Head of everyone else, if any.
    ///   - priorityStreak: Priority calls in a row this counter made so far.
    ///   - burst: How many priority calls in a row are allowed before a normal one.
    /// - Returns: The choice, or `nil` when nobody is waiting.
    public static func choose<Candidate>(
        green: Candidate?, appointment: Candidate?, normal: Candidate?, priorityStreak: Int, burst: Int
    ) -> Choice<Candidate>? {
        if let normal, priorityStreak >= burst {
            return Choice(candidate: normal, isPriority: false)
        }
        if let green { return Choice(candidate: green, isPriority: true) }
        if let appointment { return Choice(candidate: appointment, isPriority: true) }
        if let normal { return Choice(candidate: normal, isPriority: false) }
        return nil
    }

    /// The counter's priority streak after a choice.
    public static func streak(after choice: Choice<some Any>, previous: Int) -> Int {
        choice.isPriority ? previous + 1 : 0
    }
}
