#ifndef SVLEDGER_SERVER_DEV_AUTH_H_
#define SVLEDGER_SERVER_DEV_AUTH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "app/role_bindings.h"
#include "auth/dev_issuer.h"
#include "svledger/v1/access.pb.h"

namespace svledger::server {

// The demo's identities: one persona per role a newcomer wants to try, each
// with a token of the local development issuer (auth/dev_issuer.h).
//
// Files, under the issuer's directory (<data dir>/dev-auth):
//   tokens/<persona>.jwt  a bearer token, valid kTokenLifetime from the
//                         server's start (minted again at every start)
// svctl --as=<persona> reads them; any gRPC client sends one as
// "authorization: Bearer <contents>".
struct DevPersona {
  std::string name;         // e.g. "manager-derbyshire"; also the principal
  v1::RoleBinding binding;  // what it holds
};

inline constexpr absl::Duration kTokenLifetime = absl::Hours(24 * 30);

// admin, auditor, a manager of each council in `councils`, and two demo
// suppliers (supplier-acme-facilities, supplier-greenway-construction).
std::vector<DevPersona> DevPersonas(const std::vector<std::string>& councils);

// Grants each persona its binding (once: a binding already held is left
// alone) and writes its token. Errors: the grant's or the file's.
absl::Status SetUpDevPersonas(const std::vector<DevPersona>& personas,
                              const auth::DevIssuer& issuer,
                              app::RoleBindings& roles, absl::Time now);

}  // namespace svledger::server

#endif  // SVLEDGER_SERVER_DEV_AUTH_H_
