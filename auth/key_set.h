#ifndef SVLEDGER_AUTH_KEY_SET_H_
#define SVLEDGER_AUTH_KEY_SET_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct _cjose_jwk_int cjose_jwk_t;

namespace svledger::auth {

// Limits on a JWKS document: it comes from a file or an issuer's server.
inline constexpr size_t kMaxJwksBytes = 1 << 20;
inline constexpr size_t kMaxJwksKeys = 100;

// The algorithms a token may be signed with. Anything else, "none" and the
// HMAC family included, is refused before any key is looked at.
enum class KeyKind { kRsa, kEcP256 };

// One public key of a JWKS (RFC 7517), imported by cjose (OpenSSL keys).
struct PublicKey {
  KeyKind kind;
  std::shared_ptr<cjose_jwk_t> jwk;  // released by cjose_jwk_release
};

// The signing keys of an issuer by key id (`kid`): its JWKS document.
// Immutable once parsed; shared between threads.
class KeySet {
 public:
  // Parses a JWKS document {"keys": [...]}. Keys other than RSA and EC
  // P-256, and keys whose "use" is not "sig", are left out; each kept key
  // needs a "kid" (unique). Errors: INVALID_ARGUMENT saying what is wrong
  // (too large, not JSON, no "keys" array, too many keys, a duplicate kid,
  // a key cjose cannot import); never echoing key material.
  static absl::StatusOr<std::shared_ptr<const KeySet>> Parse(
      absl::string_view jwks);

  // The key `kid`, or null.
  const PublicKey* Find(const std::string& kid) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, PublicKey> keys_;
};

}  // namespace svledger::auth

#endif  // SVLEDGER_AUTH_KEY_SET_H_
