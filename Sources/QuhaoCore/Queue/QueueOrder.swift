/// The order a service's queue is called in, as visitors see it: the green channel first,
/// then everyone by place (``Ticket/queueKey``). Appointments inside their slot and windows
/// that serve several services can change the real order, so "people ahead" is an estimate
/// and pages say so.
public enum QueueOrder {
    /// Whether `a` is called before `b` within one service's queue.
    public static func precedes(_ a: Ticket, _ b: Ticket) -> Bool {
        Place(a) < Place(b)
    }

    /// What the order looks at, without the rest of the ticket (sorting thousands of whole
    /// tickets after every change copied them all).
    struct Place: Comparable {
        let green: Bool
        let key: Int64
        let id: Ticket.ID

        init(_ ticket: Ticket) {
            green = ticket.priority == .green
            key = ticket.queueKey
            id = ticket.id
        }

        static func < (a: Place, b: Place) -> Bool {
            if a.green != b.green { return a.green }
            return (a.key, a.id) < (b.key, b.id)
        }
    }

    /// People ahead of each waiting or remote ticket: the waiting tickets of its service that
    /// precede it. (A remote ticket keeps its place; this is how many would be ahead if it checked in now.)
    /// - Parameter tickets: Any tickets; only waiting and remote ones get an entry.
    public static func peopleAhead(_ tickets: [Ticket]) -> [Ticket.ID: Int] {
        var queues: [String: [Place]] = [:]
        for ticket in tickets where ticket.state == .waiting {
            queues[ticket.serviceID, default: []].append(Place(ticket))
        }
        for key in queues.keys { queues[key]?.sort() }
        var ahead: [Ticket.ID: Int] = [:]
        for ticket in tickets where ticket.state == .waiting || ticket.state == .remote {
            let place = Place(ticket)
            // The first queued ticket that does not precede this one.
            ahead[ticket.id] = queues[ticket.serviceID]?.partitioningIndex { !($0 < place) } ?? 0
        }
        return ahead
    }
}
