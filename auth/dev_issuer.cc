#include "auth/dev_issuer.h"

#include <cjose/cjose.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/digest.h"

namespace svledger::auth {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read '", path, "'"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path` by a rename, so a reader never sees half a file;
// the file has `mode` from its creation (a private key is never readable
// by others, not even for a moment).
}  // namespace

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& text, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot write '", tmp, "'"));
  }
  fchmod(fd, mode);  // whatever the umask took away or the file had
  const bool written = ::write(fd, text.data(), text.size()) ==
                           static_cast<ssize_t>(text.size()) &&
                       fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    return absl::DataLossError(absl::StrCat("cannot write '", tmp, "'"));
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) {
    return absl::DataLossError(
        absl::StrCat("cannot rename to '", path, "': ", error.message()));
  }
  return absl::OkStatus();
}

namespace {

std::string CjoseError(const cjose_err& err) {
  return err.message != nullptr ? err.message : "unknown cjose error";
}

}  // namespace

absl::StatusOr<std::string> SignJws(const cjose_jwk_t* jwk,
                                    const std::string& alg,
                                    const std::string& kid,
                                    const std::string& claims_json) {
  cjose_err err;
  cjose_header_t* header = cjose_header_new(&err);
  if (header == nullptr) return absl::InternalError(CjoseError(err));
  cjose_header_set(header, CJOSE_HDR_ALG, alg.c_str(), &err);
  cjose_header_set(header, CJOSE_HDR_KID, kid.c_str(), &err);
  cjose_header_set(header, "typ", "JWT", &err);
  cjose_jws_t* jws = cjose_jws_sign(
      jwk, header, reinterpret_cast<const uint8_t*>(claims_json.data()),
      claims_json.size(), &err);
  cjose_header_release(header);
  if (jws == nullptr) return absl::InternalError(CjoseError(err));
  const char* compact = nullptr;
  if (!cjose_jws_export(jws, &compact, &err)) {
    cjose_jws_release(jws);
    return absl::InternalError(CjoseError(err));
  }
  std::string out = compact;
  cjose_jws_release(jws);
  return out;
}

absl::StatusOr<std::unique_ptr<DevIssuer>> DevIssuer::Open(
    const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create '", dir, "': ", error.message()));
  }
  std::unique_ptr<DevIssuer> issuer(new DevIssuer);
  issuer->dir_ = dir;
  const std::string key_path = dir + "/signing-key.jwk";
  cjose_err err;
  if (std::filesystem::exists(key_path)) {
    absl::StatusOr<std::string> text = ReadFile(key_path);
    if (!text.ok()) return text.status();
    issuer->key_ = cjose_jwk_import(text->data(), text->size(), &err);
    if (issuer->key_ == nullptr) {
      return absl::DataLossError(absl::StrCat(
          "'", key_path, "' is not a signing key: ", CjoseError(err)));
    }
  } else {
    issuer->key_ = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
    if (issuer->key_ == nullptr) return absl::InternalError(CjoseError(err));
  }
  // The kid is the new public key's own digest, kept in the key file, so it
  // changes only with the key.
  const char* kept = cjose_jwk_get_kid(issuer->key_, &err);
  char* public_json = nullptr;
  if (kept != nullptr && *kept != '\0') {
    issuer->kid_ = kept;
  } else {
    public_json = cjose_jwk_to_json(issuer->key_, false, &err);
    if (public_json == nullptr) return absl::InternalError(CjoseError(err));
    issuer->kid_ = Sha256Hex(public_json).substr(0, 16);
    free(public_json);
    cjose_jwk_set_kid(issuer->key_, issuer->kid_.data(), issuer->kid_.size(),
                      &err);
  }
  if (!std::filesystem::exists(key_path)) {
    char* private_json = cjose_jwk_to_json(issuer->key_, true, &err);
    if (private_json == nullptr) return absl::InternalError(CjoseError(err));
    absl::Status s = WriteFileAtomically(key_path, private_json, 0600);
    free(private_json);
    if (!s.ok()) return s;
  }
  public_json = cjose_jwk_to_json(issuer->key_, false, &err);
  if (public_json == nullptr) return absl::InternalError(CjoseError(err));
  // {"keys":[{...,"use":"sig","alg":"ES256"}]}
  json_error_t json_error;
  json_t* key = json_loads(public_json, 0, &json_error);
  free(public_json);
  json_object_set_new(key, "use", json_string("sig"));
  json_object_set_new(key, "alg", json_string("ES256"));
  json_t* set = json_object();
  json_t* keys = json_array();
  json_array_append_new(keys, key);
  json_object_set_new(set, "keys", keys);
  char* jwks = json_dumps(set, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(set);
  absl::Status s = WriteFileAtomically(issuer->jwks_path(), jwks, 0644);
  free(jwks);
  if (!s.ok()) return s;
  return issuer;
}

DevIssuer::~DevIssuer() {
  if (key_ != nullptr) cjose_jwk_release(key_);
}

absl::StatusOr<std::string> DevIssuer::Sign(
    const std::string& claims_json) const {
  return SignJws(key_, "ES256", kid_, claims_json);
}

absl::StatusOr<std::string> DevIssuer::Mint(const std::string& subject,
                                            absl::Time now,
                                            absl::Duration lifetime) const {
  json_t* claims = json_object();
  json_object_set_new(claims, "iss", json_string(kIssuer));
  json_object_set_new(claims, "aud", json_string(kAudience));
  json_object_set_new(claims, "sub", json_string(subject.c_str()));
  json_object_set_new(claims, "iat", json_integer(absl::ToUnixSeconds(now)));
  json_object_set_new(claims, "nbf", json_integer(absl::ToUnixSeconds(now)));
  json_object_set_new(claims, "exp",
                      json_integer(absl::ToUnixSeconds(now + lifetime)));
  char* text = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(claims);
  std::string out = text;
  free(text);
  return Sign(out);
}

}  // namespace svledger::auth
