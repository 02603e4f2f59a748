import HTTPTypes
import Hummingbird

/// Adds `TS-Protocol` to every response of the hub that has none yet (the signed endpoints set the version
/// they negotiated; the others answer with the newest), so a node can tell which protocol answered.
struct ProtocolHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        var response = try await next(request, context)
        let name = HTTPField.Name(WireMessages.protocolHeader)!
        if response.headers[name] == nil { response.headers[name] = String(WireMessages.protocolVersion) }
        return response
    }
}
