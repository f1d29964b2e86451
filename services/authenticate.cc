#include "services/authenticate.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "grpcpp/security/auth_context.h"
#include "openssl/crypto.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {

// The SANs of the client certificate the handshake verified; none without
// TLS, or when the client sent no certificate.
std::vector<std::string> CertificateSans(const grpc::ServerContextBase& context,
                                         absl::string_view gateway_key) {
  std::vector<std::string> sans;
  if (!gateway_key.empty()) {
    const auto& metadata = context.client_metadata();
    auto key = metadata.find(kGatewayKeyHeader);
    if (key != metadata.end() && key->second.size() == gateway_key.size() &&
        CRYPTO_memcmp(key->second.data(), gateway_key.data(),
                      gateway_key.size()) == 0) {
      auto [begin, end] = metadata.equal_range(kGatewaySanHeader);
      for (auto it = begin; it != end; ++it) {
        if (!it->second.empty() && it->second.size() <= 256)
          sans.emplace_back(it->second.data(), it->second.size());
      }
      return sans;
    }
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return sans;
  for (const grpc::string_ref& san :
       auth->FindPropertyValues("x509_subject_alternative_name")) {
    if (!san.empty() && san.size() <= 256)
      sans.emplace_back(san.data(), san.size());
  }
  return sans;
}

}  // namespace

absl::StatusOr<app::Caller> CallAuthenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto header =
      [&metadata](const char* name) -> std::optional<absl::string_view> {
    auto it = metadata.find(name);
    if (it == metadata.end()) return std::nullopt;
    return absl::string_view(it->second.data(), it->second.size());
  };
  if (authenticator_ == nullptr) {
    return AuthenticateWith(std::nullopt, {}, header("svledger-actor"));
  }
  return AuthenticateWith(header("authorization"),
                          CertificateSans(context, gateway_key_), std::nullopt);
}

absl::StatusOr<app::Caller> CallAuthenticator::AuthenticateWith(
    std::optional<absl::string_view> authorization,
    const std::vector<std::string>& certificate_sans,
    std::optional<absl::string_view> actor) const {
  app::Caller caller;
  if (authenticator_ == nullptr) {
    if (actor.has_value()) {
      caller.actor = std::string(actor->substr(0, 100));
    }
    caller.authenticated_by = "none";
    caller.grants.admin = true;
    return caller;
  }
  absl::StatusOr<auth::Identity> identity =
      authenticator_->Authenticate(authorization, certificate_sans);
  if (!identity.ok()) return identity.status();
  caller.actor = std::move(identity->actor);
  caller.authenticated_by = std::move(identity->method);
  caller.grants = roles_->GrantsOf(identity->principals);
  caller.principals = std::move(identity->principals);
  return caller;
}

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace svledger::services
