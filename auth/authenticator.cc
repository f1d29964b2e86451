#include "auth/authenticator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace svledger::auth {

Authenticator::Authenticator(AuthenticatorOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

absl::StatusOr<Identity> Authenticator::Authenticate(
    std::optional<absl::string_view> authorization,
    const std::vector<std::string>& certificate_sans) {
  if (authorization.has_value()) {
    absl::string_view value = absl::StripAsciiWhitespace(*authorization);
    if (value.size() < 7 ||
        !absl::EqualsIgnoreCase(value.substr(0, 7), "Bearer ")) {
      return Unauthenticated(Refusal::kMalformed,
                             "authorization must be 'Bearer <token>'");
    }
    if (options_.keys == nullptr) {
      return Unauthenticated(Refusal::kMissing,
                             "this server takes no bearer tokens");
    }
    return FromToken(absl::StripAsciiWhitespace(value.substr(7)));
  }
  if (options_.client_certificates && !certificate_sans.empty()) {
    // "mtls:<SAN>": a certificate can never name a token's principal (an
    // email SAN equal to an admin's email claim, say).
    Identity identity;
    for (const std::string& san : certificate_sans) {
      identity.principals.push_back(kCertificatePrefix + san);
    }
    identity.actor = identity.principals.front();
    identity.method = "mtls";
    return identity;
  }
  return Unauthenticated(
      Refusal::kMissing,
      options_.client_certificates
          ? "send 'authorization: Bearer <token>' or a client certificate"
          : "send 'authorization: Bearer <token>'");
}

absl::StatusOr<Identity> Authenticator::FromToken(absl::string_view token) {
  const absl::Time now = clock_->Now();
  // Refused before it is hashed for the cache.
  if (token.size() > options_.oidc.max_token_bytes) {
    return Unauthenticated(
        Refusal::kTooLarge,
        absl::StrCat("token of ", token.size(), " bytes; at most ",
                     options_.oidc.max_token_bytes));
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(token);
    if (it != cache_.end()) {
      if (now < it->second.expires + options_.oidc.clock_skew) {
        return it->second.identity;
      }
      cache_.erase(it);
    }
  }
  std::shared_ptr<const KeySet> keys = options_.keys->Current();
  absl::StatusOr<VerifiedToken> verified =
      VerifyToken(token, *keys, options_.oidc, now);
  if (!verified.ok()) {
    // The issuer may have rotated its keys: look again soon.
    if (RefusalOf(verified.status()) == Refusal::kUnknownKey) {
      options_.keys->RequestRefresh();
    }
    return verified.status();
  }
  Identity identity;
  identity.actor = verified->subject;
  identity.principals = std::move(verified->principals);
  identity.method = "oidc";
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= options_.max_cached_tokens) cache_.clear();
  cache_.emplace(std::string(token), Cached{identity, verified->expires});
  return identity;
}

size_t Authenticator::cached_tokens() const {
  absl::MutexLock lock(&mu_);
  return cache_.size();
}

}  // namespace svledger::auth
