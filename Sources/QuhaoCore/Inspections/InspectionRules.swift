import Foundation

/// How an inspection office works (configured per inspection site): its checklist as configured
/// now, the result rule, rectification deadlines and the limits on uploaded photos.
public struct InspectionRules: Hashable, Sendable, Codable {
    /// The checklist as configured; ``TicketStore/sync(sites:)`` stores a new version when it changes.
    public var checklist: [ChecklistItem]
    public var resultRule: ResultRule
    public var deadlines: RectificationDeadlines
    /// Largest photo accepted, in bytes.
    public var maxPhotoBytes: Int
    /// Photos per rectification.
    public var maxPhotos: Int
    /// Which queue service a routine request and a re-inspection request take a number for.
    public var routineService: String
    public var reinspectionService: String

    public init(
        checklist: [ChecklistItem], resultRule: ResultRule = ResultRule(), deadlines: RectificationDeadlines = RectificationDeadlines(),
        maxPhotoBytes: Int = 8 * 1024 * 1024, maxPhotos: Int = 6, routineService: String, reinspectionService: String
    ) {
        self.checklist = checklist
        self.resultRule = resultRule
        self.deadlines = deadlines
        self.maxPhotoBytes = maxPhotoBytes
        self.maxPhotos = maxPhotos
        self.routineService = routineService
        self.reinspectionService = reinspectionService
    }

    /// The queue service a request of this kind takes a number for.
    public func service(for kind: InspectionKind) -> String {
        kind == .reinspection ? reinspectionService : routineService
    }
}
