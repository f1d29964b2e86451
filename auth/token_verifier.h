#ifndef SVLEDGER_AUTH_TOKEN_VERIFIER_H_
#define SVLEDGER_AUTH_TOKEN_VERIFIER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/key_set.h"

namespace svledger::auth {

// Why a credential was refused: the `reason` label of
// svledger_auth_denied_total, and the start of the UNAUTHENTICATED message.
enum class Refusal {
  kMissing,               // no credential at all
  kMalformed,             // not a compact JWS, or its JSON does not parse
  kTooLarge,              // over OidcOptions::max_token_bytes
  kAlgorithm,             // alg other than RS256 / ES256 ("none", HS256, ...)
  kUnknownKey,            // no key of the issuer's JWKS has its kid
  kBadSignature,          // the signature does not verify
  kWrongIssuer,           // iss is not the configured issuer
  kWrongAudience,         // aud does not name the configured audience
  kExpired,               // exp is past (beyond the skew), or missing
  kNotYetValid,           // nbf is ahead (beyond the skew)
  kNoPrincipal,           // the principal claim is missing or empty
  kUntrustedCertificate,  // a client certificate without a usable SAN
};
const char* RefusalName(Refusal refusal);  // "expired", "bad_signature", ...

// UNAUTHENTICATED "<reason>: <detail>". Never includes the token.
absl::Status Unauthenticated(Refusal refusal, absl::string_view detail);
// The refusal an Unauthenticated status carries (its payload); kMalformed
// for any other status.
Refusal RefusalOf(const absl::Status& status);

// What an OIDC token must satisfy.
struct OidcOptions {
  // The token's "iss" must equal this exactly. Required.
  std::string issuer;
  // The token's "aud" (a string or an array) must contain this. Required.
  std::string audience;
  // The claim naming the principal: "sub" (default), "email",
  // "preferred_username", "groups", ... A claim holding an array (groups)
  // names one principal per element; the caller holds what any of them
  // holds.
  std::string principal_claim = "sub";
  // Allowed difference between the issuer's clock and ours for exp and
  // nbf. Default 60 s.
  absl::Duration clock_skew = absl::Seconds(60);
  // Larger tokens are refused before parsing. Default 8 KiB.
  size_t max_token_bytes = 8 * 1024;
};

// A token that verified.
struct VerifiedToken {
  std::string subject;                  // "sub", or the first principal
  std::vector<std::string> principals;  // from principal_claim, non-empty
  absl::Time expires;                   // "exp"
};

// Verifies a compact JWS (RFC 7515) signed RS256 or ES256 against `keys`
// (cjose and OpenSSL do the cryptography), then its claims against
// `options` at `now`. Errors: Unauthenticated with the Refusal.
//
// Pure: thread-safe, no I/O.
absl::StatusOr<VerifiedToken> VerifyToken(absl::string_view token,
                                          const KeySet& keys,
                                          const OidcOptions& options,
                                          absl::Time now);

// Whether `text` is unpadded base64url (RFC 4648 section 5) of whole bytes:
// what every part of a compact JWS and every key parameter of a JWK is.
bool IsBase64Url(absl::string_view text);

// The "kid" of a token's header, or why it has none (for a key source to
// refresh on an unknown kid). Errors: Unauthenticated.
absl::StatusOr<std::string> TokenKeyId(absl::string_view token,
                                       const OidcOptions& options);

}  // namespace svledger::auth

#endif  // SVLEDGER_AUTH_TOKEN_VERIFIER_H_
