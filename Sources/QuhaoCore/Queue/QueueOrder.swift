/// The order a service's queue is called in, as visitors see it: the green channel first,
/// then everyone by place (``Ticket/queueKey``). Appointments inside their slot and windows
/// that serve several services can change the real order, so "people ahead" is an estimate
/// and pages say so.
public enum QueueOrder {
    /// Whether `a` is called before `b` within one service's queue.
    public static func precedes(_ a: Ticket, _ b: Ticket) -> Bool {
        let aGreen = a.priority == .green
        let bGreen = b.priority == .green
        if aGreen != bGreen { return aGreen }
        return (a.queueKey, a.id) < (b.queueKey, b.id)
    }

    /// People ahead of each waiting or remote ticket: the waiting tickets of its service that
    /// precede it. (A remote ticket keeps its place; this is how many would be ahead if it checked in now.)
    /// - Parameter tickets: Any tickets; only waiting and remote ones get an entry.
    public static func peopleAhead(_ tickets: [Ticket]) -> [Ticket.ID: Int] {
        var queues: [String: [Ticket]] = [:]
        for ticket in tickets where ticket.state == .waiting {
            queues[ticket.serviceID, default: []].append(ticket)
        }
        for key in queues.keys { queues[key]?.sort(by: precedes) }
        var ahead: [Ticket.ID: Int] = [:]
        for ticket in tickets where ticket.state == .waiting || ticket.state == .remote {
            let queue = queues[ticket.serviceID] ?? []
            // Binary search for the first queued ticket that does not precede this one.
            var low = 0
            var high = queue.count
            while low < high {
                let middle = (low + high) / 2
                if precedes(queue[middle], ticket) { low = middle + 1 } else { high = middle }
            }
            ahead[ticket.id] = low
        }
        return ahead
    }
}
