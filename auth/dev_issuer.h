#ifndef SVLEDGER_AUTH_DEV_ISSUER_H_
#define SVLEDGER_AUTH_DEV_ISSUER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct _cjose_jwk_int cjose_jwk_t;

namespace svledger::auth {

// A local OIDC issuer for development, the demo and tests: an ES256
// signing key kept in a directory, its public JWKS beside it, and tokens
// it signs (cjose; OpenSSL does the cryptography). Not for production: a
// council's own identity provider (Entra ID, say) issues real tokens.
//
// Files in `dir`:
//   signing-key.jwk  the private key (JWK, mode 0600)
//   jwks.json        the public key set a server verifies against
//
// Thread-safe (immutable once opened).
class DevIssuer {
 public:
  static constexpr char kIssuer[] = "https://svledger.invalid/dev";
  static constexpr char kAudience[] = "svledger";

  // Opens the issuer in `dir`, creating the directory and a new key on
  // first use. Errors: the files' (unreadable, not a key).
  static absl::StatusOr<std::unique_ptr<DevIssuer>> Open(
      const std::string& dir);

  ~DevIssuer();

  std::string jwks_path() const { return dir_ + "/jwks.json"; }
  const std::string& key_id() const { return kid_; }

  // A token for `subject`: iss kIssuer, aud kAudience, iat and nbf `now`,
  // exp now + `lifetime`.
  absl::StatusOr<std::string> Mint(const std::string& subject, absl::Time now,
                                   absl::Duration lifetime) const;

  // A token with exactly these claims (a JSON object), signed ES256 with
  // the issuer's key and kid: for tests that need odd claims.
  absl::StatusOr<std::string> Sign(const std::string& claims_json) const;

 private:
  DevIssuer() = default;

  std::string dir_;
  std::string kid_;
  cjose_jwk_t* key_ = nullptr;
};

// Writes `text` to `path` through a temporary file and a rename, so a
// reader never sees half a file, with `mode` from the file's creation (for
// keys and tokens: 0600). Errors: PERMISSION_DENIED or DATA_LOSS naming
// the file.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& text, mode_t mode);

// Signs `claims_json` as a compact JWS with `jwk` (cjose), with header
// alg `alg` (e.g. "ES256", "RS256", "HS256") and kid `kid`. For the dev
// issuer and tests.
absl::StatusOr<std::string> SignJws(const cjose_jwk_t* jwk,
                                    const std::string& alg,
                                    const std::string& kid,
                                    const std::string& claims_json);

}  // namespace svledger::auth

#endif  // SVLEDGER_AUTH_DEV_ISSUER_H_
