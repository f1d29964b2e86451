#ifndef SVLEDGER_SERVICES_AUTHENTICATE_H_
#define SVLEDGER_SERVICES_AUTHENTICATE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "app/caller.h"
#include "app/role_bindings.h"
#include "auth/authenticator.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace svledger::services {

// The metadata by which the HTTP gateway (http/rpc_bridge.h), calling in
// process, passes on the SANs of the client certificate its own TLS
// handshake verified: one kGatewaySanHeader entry a SAN, heeded only with
// kGatewayKeyHeader equal to the server's gateway key (a secret made at
// start that never leaves the process).
inline constexpr char kGatewayKeyHeader[] = "svledger-gateway-key";
inline constexpr char kGatewaySanHeader[] = "svledger-gateway-san";

// The gRPC edge of authentication: a call's credential (its
// "authorization" header, or the client certificate the TLS handshake
// verified) becomes the app::Caller the application decides with, holding
// what its principals are bound to (app::RoleBindings).
//
// Thread-safe. Everything passed in must outlive it.
class CallAuthenticator {
 public:
  // `authenticator` null: authentication is off (only ever on loopback or
  // with --insecure): every caller is an admin named by its
  // "svledger-actor" header (at most 100 bytes; default "anonymous"),
  // authenticated_by "none".
  // `gateway_key`: see kGatewayKeyHeader; empty: forwarded SANs are
  // never heeded.
  CallAuthenticator(auth::Authenticator* authenticator,
                    const app::RoleBindings* roles,
                    std::string gateway_key = "")
      : authenticator_(authenticator),
        roles_(roles),
        gateway_key_(std::move(gateway_key)) {}

  // The caller, or UNAUTHENTICATED saying why (auth::Authenticator).
  absl::StatusOr<app::Caller> Authenticate(
      const grpc::ServerContextBase& context) const;

  // The same from what another edge read (HTTP's /evidence routes): the
  // Authorization header, the SANs of the client certificate its own TLS
  // handshake verified, and the svledger-actor header (heeded only while
  // authentication is off).
  absl::StatusOr<app::Caller> AuthenticateWith(
      std::optional<absl::string_view> authorization,
      const std::vector<std::string>& certificate_sans,
      std::optional<absl::string_view> actor) const;

  bool enabled() const { return authenticator_ != nullptr; }

 private:
  auth::Authenticator* const authenticator_;
  const app::RoleBindings* const roles_;
  const std::string gateway_key_;
};

// A unary call answered at once with `status`: a refused credential, or
// an answer that needed no wait.
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status);

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_AUTHENTICATE_H_
