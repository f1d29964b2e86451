#include "auth/key_set.h"

#include <cjose/cjose.h>
#include <jansson.h>

#include "absl/strings/str_cat.h"
#include "auth/token_verifier.h"

namespace svledger::auth {
namespace {

struct JsonDeleter {
  void operator()(json_t* j) const { json_decref(j); }
};

const char* StringField(json_t* object, const char* name) {
  json_t* value = json_object_get(object, name);
  return json_is_string(value) ? json_string_value(value) : nullptr;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const KeySet>> KeySet::Parse(
    absl::string_view jwks) {
  if (jwks.size() > kMaxJwksBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS: larger than ", kMaxJwksBytes, " bytes"));
  }
  json_error_t error;
  std::unique_ptr<json_t, JsonDeleter> root(
      json_loadb(jwks.data(), jwks.size(), JSON_REJECT_DUPLICATES, &error));
  if (root == nullptr || !json_is_object(root.get())) {
    return absl::InvalidArgumentError("JWKS: not a JSON object");
  }
  json_t* keys = json_object_get(root.get(), "keys");
  if (!json_is_array(keys)) {
    return absl::InvalidArgumentError("JWKS: no \"keys\" array");
  }
  if (json_array_size(keys) > kMaxJwksKeys) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS: more than ", kMaxJwksKeys, " keys"));
  }
  auto set = std::make_shared<KeySet>();
  for (size_t i = 0; i < json_array_size(keys); ++i) {
    json_t* key = json_array_get(keys, i);
    if (!json_is_object(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS: keys[", i, "] is not an object"));
    }
    const char* kty = StringField(key, "kty");
    const char* use = StringField(key, "use");
    const char* crv = StringField(key, "crv");
    const char* kid = StringField(key, "kid");
    if (kty == nullptr || (use != nullptr && std::string(use) != "sig")) {
      continue;
    }
    KeyKind kind;
    if (std::string(kty) == "RSA") {
      kind = KeyKind::kRsa;
    } else if (std::string(kty) == "EC" && crv != nullptr &&
               std::string(crv) == "P-256") {
      kind = KeyKind::kEcP256;
    } else {
      continue;  // a kind no token here may be signed with
    }
    if (kid == nullptr || *kid == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS: keys[", i, "] has no \"kid\""));
    }
    // cjose's decoder asserts on some malformed base64url: checked first.
    for (const char* param :
         {"n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "k"}) {
      json_t* value = json_object_get(key, param);
      if (value != nullptr &&
          (!json_is_string(value) || !IsBase64Url(json_string_value(value)))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "JWKS: keys[", i, "].", param, " is not unpadded base64url"));
      }
    }
    cjose_err err;
    cjose_jwk_t* jwk = cjose_jwk_import_json(key, &err);
    if (jwk == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "JWKS: keys[", i, "] (kid '", kid, "') cannot be imported: ",
          err.message != nullptr ? err.message : "unknown error"));
    }
    PublicKey public_key{
        kind, std::shared_ptr<cjose_jwk_t>(
                  jwk, [](cjose_jwk_t* k) { cjose_jwk_release(k); })};
    if (!set->keys_.emplace(kid, std::move(public_key)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS: kid '", kid, "' appears twice"));
    }
  }
  return std::shared_ptr<const KeySet>(std::move(set));
}

const PublicKey* KeySet::Find(const std::string& kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace svledger::auth
