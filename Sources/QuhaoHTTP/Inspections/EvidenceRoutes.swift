import Foundation
import Hummingbird
import QuhaoCore
import QuhaoStore

/// Rectification photos for the office: `/evidence/{sha256}`, to its inspectors and admins only.
/// (A unit sees its own through `/u/{token}/photos/{sha256}`.) Always with the type told by the
/// photo's bytes at upload, `nosniff`, and a policy that runs nothing.
struct EvidenceRoutes {
    let services: AppDependencies

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(":sha", use: photo)
        return routes
    }

    @Sendable func photo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await StaffAuth.require(request, services: services)
        guard principal.role == .admin || principal.role == .inspector else { throw QuhaoError(.authForbidden) }
        let sha = try context.parameters.require("sha")
        guard let photo = try await services.store.inspections.photo(sha) else { throw QuhaoError(.evidenceNotFound) }
        // An office's photos are its own: another site's admin or inspector is refused.
        guard try await services.store.inspections.photoSites(sha).contains(where: principal.worksAt) else { throw QuhaoError(.authForbidden) }
        return try await Self.response(photo, files: services.settings.evidence)
    }

    static func response(_ photo: StoredPhoto, files: EvidenceFiles) async throws -> Response {
        guard let file = files.file(photo.sha256), let data = try await BlockingIO.run({ FileManager.default.contents(atPath: file.path) }) else {
            throw QuhaoError(.evidenceNotFound)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: photo.contentType, .init("X-Content-Type-Options")!: "nosniff", .cacheControl: "private, max-age=86400",
                .init("Content-Security-Policy")!: "default-src 'none'; sandbox",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
