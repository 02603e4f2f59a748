import HTTPTypes
import Hummingbird

/// Adds `TS-Protocol: 1` to every response of the hub, so a node can tell which protocol answered.
struct ProtocolHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[HTTPField.Name(WireMessages.protocolHeader)!] = String(WireMessages.protocolVersion)
        return response
    }
}
