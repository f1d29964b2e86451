#ifndef SVLEDGER_AUTH_AUTHENTICATOR_H_
#define SVLEDGER_AUTH_AUTHENTICATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "auth/key_source.h"
#include "auth/token_verifier.h"
#include "common/clock.h"

namespace svledger::auth {

// The principals a client certificate names: "mtls:" and each SAN, so
// that they never coincide with a token's.
inline constexpr char kCertificatePrefix[] = "mtls:";

// Who a call's credential proves the caller to be.
struct Identity {
  // The principal recorded as the actor of what the call writes.
  std::string actor;
  // Every principal whose role bindings the caller holds (the actor, or
  // for a multi-valued claim such as groups, each value).
  std::vector<std::string> principals;
  // "oidc" or "mtls".
  std::string method;
};

struct AuthenticatorOptions {
  // Bearer tokens: what they must satisfy, and the issuer's keys (not
  // owned; must outlive the authenticator). Null keys: no bearer tokens.
  OidcOptions oidc;
  KeySource* keys = nullptr;
  // Accept a verified client certificate (the transport checked it against
  // the client CA) as the principal its subject alternative names give.
  // Default false.
  bool client_certificates = false;
  // Verified tokens remembered until they expire, so a token is verified
  // once rather than on every call. Past it the cache starts again.
  // Default 10000.
  size_t max_cached_tokens = 10000;
};

// Turns a call's credential into an Identity: a bearer token
// ("authorization: Bearer <JWT>", verified by VerifyToken against the
// issuer's current keys) or a client certificate's SANs. A token, when
// present, decides; without one, a verified certificate does.
//
// Errors: UNAUTHENTICATED (auth::Unauthenticated, with its Refusal) for a
// missing, malformed, expired or untrusted credential; the message never
// contains the token.
//
// Thread-safe. `clock` must outlive it.
class Authenticator {
 public:
  Authenticator(AuthenticatorOptions options, Clock* clock);

  // `authorization`: the header's value, if sent. `certificate_sans`: the
  // SANs of the client certificate the transport verified (empty: none).
  absl::StatusOr<Identity> Authenticate(
      std::optional<absl::string_view> authorization,
      const std::vector<std::string>& certificate_sans);

  // Verified tokens remembered now.
  size_t cached_tokens() const;

 private:
  absl::StatusOr<Identity> FromToken(absl::string_view token);

  const AuthenticatorOptions options_;
  Clock* const clock_;

  struct Cached {
    Identity identity;
    absl::Time expires;
  };
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::auth

#endif  // SVLEDGER_AUTH_AUTHENTICATOR_H_
