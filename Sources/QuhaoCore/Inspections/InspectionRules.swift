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
    /// Visits a year by risk level: who is due.
    public var visits: VisitSchedule
    /// Inspectors a visit must record before its results are saved, by how it is made (on site 2,
    /// remote 1 by default: market-supervision procedure asks for two officers on the premises).
    public var minimumInspectors: [InspectionMode: Int]
    /// The grade at the door.
    public var grading: GradeRule
    /// Complaints one phone (device) may file at the office in a day.
    public var complaintsPerDevicePerDay: Int

    public init(
        checklist: [ChecklistItem], resultRule: ResultRule = ResultRule(), deadlines: RectificationDeadlines = RectificationDeadlines(),
        maxPhotoBytes: Int = 8 * 1024 * 1024, maxPhotos: Int = 6, routineService: String, reinspectionService: String,
        visits: VisitSchedule = VisitSchedule(), minimumInspectors: [InspectionMode: Int] = InspectionRules.defaultMinimumInspectors,
        grading: GradeRule = GradeRule(), complaintsPerDevicePerDay: Int = 3
    ) {
        self.checklist = checklist
        self.resultRule = resultRule
        self.deadlines = deadlines
        self.maxPhotoBytes = maxPhotoBytes
        self.maxPhotos = maxPhotos
        self.routineService = routineService
        self.reinspectionService = reinspectionService
        self.visits = visits
        self.minimumInspectors = minimumInspectors
        self.grading = grading
        self.complaintsPerDevicePerDay = complaintsPerDevicePerDay
    }

    public static let defaultMinimumInspectors: [InspectionMode: Int] = [.onSite: 2, .remoteVideo: 1, .selfCheck: 0]

    /// Inspectors a visit made this way must record.
    public func minimumInspectors(_ mode: InspectionMode) -> Int {
        minimumInspectors[mode] ?? Self.defaultMinimumInspectors[mode] ?? 1
    }

    enum CodingKeys: String, CodingKey {
        case checklist, resultRule, deadlines, maxPhotoBytes, maxPhotos, routineService, reinspectionService, visits, minimumInspectors, grading
        case complaintsPerDevicePerDay
    }

    /// Rules stored before a rule was added read with its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            checklist: try c.decode([ChecklistItem].self, forKey: .checklist), resultRule: try c.decode(ResultRule.self, forKey: .resultRule),
            deadlines: try c.decode(RectificationDeadlines.self, forKey: .deadlines), maxPhotoBytes: try c.decode(Int.self, forKey: .maxPhotoBytes),
            maxPhotos: try c.decode(Int.self, forKey: .maxPhotos), routineService: try c.decode(String.self, forKey: .routineService),
            reinspectionService: try c.decode(String.self, forKey: .reinspectionService),
            visits: try c.decodeIfPresent(VisitSchedule.self, forKey: .visits) ?? VisitSchedule(),
            minimumInspectors: try c.decodeIfPresent([InspectionMode: Int].self, forKey: .minimumInspectors) ?? Self.defaultMinimumInspectors,
            grading: try c.decodeIfPresent(GradeRule.self, forKey: .grading) ?? GradeRule(),
            complaintsPerDevicePerDay: try c.decodeIfPresent(Int.self, forKey: .complaintsPerDevicePerDay) ?? 3)
    }

    /// The queue service a request of this kind takes a number for.
    public func service(for kind: InspectionKind) -> String {
        kind == .reinspection ? reinspectionService : routineService
    }
}
