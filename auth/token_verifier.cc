#include "auth/token_verifier.h"

#include <cjose/cjose.h>
#include <jansson.h>

#include <cmath>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace svledger::auth {
namespace {

constexpr char kRefusalPayload[] = "svledger.auth/refusal";

struct JsonDeleter {
  void operator()(json_t* j) const { json_decref(j); }
};
using Json = std::unique_ptr<json_t, JsonDeleter>;

struct JwsDeleter {
  void operator()(cjose_jws_t* j) const { cjose_jws_release(j); }
};

// Base64url text to a JSON object; null if either fails.
Json DecodeJsonPart(absl::string_view part) {
  uint8_t* bytes = nullptr;
  size_t size = 0;
  cjose_err err;
  if (!cjose_base64url_decode(part.data(), part.size(), &bytes, &size, &err)) {
    return nullptr;
  }
  json_error_t error;
  Json json(json_loadb(reinterpret_cast<const char*>(bytes), size,
                       JSON_REJECT_DUPLICATES, &error));
  free(bytes);
  if (json == nullptr || !json_is_object(json.get())) return nullptr;
  return json;
}

}  // namespace

bool IsBase64Url(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  // A length of 4n+1 is no whole number of bytes.
  return text.size() % 4 != 1;
}

namespace {

struct Parts {
  absl::string_view header, payload, signature;
};

absl::StatusOr<Parts> Split(absl::string_view token,
                            const OidcOptions& options) {
  if (token.empty()) return Unauthenticated(Refusal::kMissing, "empty token");
  if (token.size() > options.max_token_bytes) {
    return Unauthenticated(
        Refusal::kTooLarge,
        absl::StrCat("token of ", token.size(), " bytes; at most ",
                     options.max_token_bytes));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() ||
      parts[2].empty()) {
    return Unauthenticated(Refusal::kMalformed,
                           "not a signed JWT (header.payload.signature)");
  }
  // Compact JWS parts are unpadded base64url (RFC 7515 section 2). Checked
  // before cjose sees them: its decoder asserts (aborts the process) on
  // some other input, such as '=' inside a part (found by tests/fuzz).
  for (absl::string_view part : parts) {
    if (!IsBase64Url(part)) {
      return Unauthenticated(Refusal::kMalformed,
                             "a part is not unpadded base64url");
    }
  }
  return Parts{parts[0], parts[1], parts[2]};
}

// A NumericDate claim (RFC 7519 section 2), or nullopt.
std::optional<absl::Time> TimeClaim(json_t* claims, const char* name) {
  json_t* value = json_object_get(claims, name);
  if (!json_is_number(value)) return std::nullopt;
  const double seconds = json_number_value(value);
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11) {
    return std::nullopt;
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
}

}  // namespace

const char* RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kMissing:
      return "missing_credential";
    case Refusal::kMalformed:
      return "malformed";
    case Refusal::kTooLarge:
      return "too_large";
    case Refusal::kAlgorithm:
      return "algorithm";
    case Refusal::kUnknownKey:
      return "unknown_key";
    case Refusal::kBadSignature:
      return "bad_signature";
    case Refusal::kWrongIssuer:
      return "wrong_issuer";
    case Refusal::kWrongAudience:
      return "wrong_audience";
    case Refusal::kExpired:
      return "expired";
    case Refusal::kNotYetValid:
      return "not_yet_valid";
    case Refusal::kNoPrincipal:
      return "no_principal";
    case Refusal::kUntrustedCertificate:
      return "untrusted_certificate";
  }
  return "malformed";
}

absl::Status Unauthenticated(Refusal refusal, absl::string_view detail) {
  absl::Status status = absl::UnauthenticatedError(
      absl::StrCat(RefusalName(refusal), ": ", detail));
  status.SetPayload(kRefusalPayload,
                    absl::Cord(std::to_string(static_cast<int>(refusal))));
  return status;
}

Refusal RefusalOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRefusalPayload);
  int value = 0;
  if (payload.has_value() && absl::SimpleAtoi(std::string(*payload), &value) &&
      value >= 0 && value <= static_cast<int>(Refusal::kUntrustedCertificate)) {
    return static_cast<Refusal>(value);
  }
  return Refusal::kMalformed;
}

absl::StatusOr<std::string> TokenKeyId(absl::string_view token,
                                       const OidcOptions& options) {
  absl::StatusOr<Parts> parts = Split(token, options);
  if (!parts.ok()) return parts.status();
  Json header = DecodeJsonPart(parts->header);
  if (header == nullptr) {
    return Unauthenticated(Refusal::kMalformed, "header is not JSON");
  }
  json_t* kid = json_object_get(header.get(), "kid");
  if (!json_is_string(kid)) {
    return Unauthenticated(Refusal::kUnknownKey, "header has no kid");
  }
  return std::string(json_string_value(kid));
}

absl::StatusOr<VerifiedToken> VerifyToken(absl::string_view token,
                                          const KeySet& keys,
                                          const OidcOptions& options,
                                          absl::Time now) {
  absl::StatusOr<Parts> parts = Split(token, options);
  if (!parts.ok()) return parts.status();
  Json header = DecodeJsonPart(parts->header);
  if (header == nullptr) {
    return Unauthenticated(Refusal::kMalformed, "header is not JSON");
  }
  // The algorithm is ours to choose, never the token's: only the two
  // asymmetric ones, and only with a key of their own kind.
  json_t* alg = json_object_get(header.get(), "alg");
  const std::string alg_name =
      json_is_string(alg) ? json_string_value(alg) : "";
  std::optional<KeyKind> kind;
  if (alg_name == "RS256") kind = KeyKind::kRsa;
  if (alg_name == "ES256") kind = KeyKind::kEcP256;
  if (!kind.has_value()) {
    return Unauthenticated(Refusal::kAlgorithm, "alg must be RS256 or ES256");
  }
  // Extensions the token says must be understood: none are (RFC 7515
  // section 4.1.11).
  if (json_object_get(header.get(), "crit") != nullptr) {
    return Unauthenticated(Refusal::kMalformed,
                           "crit header parameters are not supported");
  }
  json_t* kid = json_object_get(header.get(), "kid");
  if (!json_is_string(kid)) {
    return Unauthenticated(Refusal::kUnknownKey, "header has no kid");
  }
  const PublicKey* key = keys.Find(json_string_value(kid));
  if (key == nullptr) {
    return Unauthenticated(Refusal::kUnknownKey,
                           "no key of the issuer has the token's kid");
  }
  if (key->kind != *kind) {
    return Unauthenticated(Refusal::kAlgorithm,
                           "alg does not match the kid's key type");
  }
  cjose_err err;
  std::unique_ptr<cjose_jws_t, JwsDeleter> jws(
      cjose_jws_import(token.data(), token.size(), &err));
  if (jws == nullptr) {
    return Unauthenticated(Refusal::kMalformed, "not a compact JWS");
  }
  if (!cjose_jws_verify(jws.get(), key->jwk.get(), &err)) {
    return Unauthenticated(Refusal::kBadSignature,
                           "the signature does not verify");
  }
  uint8_t* plaintext = nullptr;
  size_t plaintext_size = 0;
  if (!cjose_jws_get_plaintext(jws.get(), &plaintext, &plaintext_size, &err)) {
    return Unauthenticated(Refusal::kMalformed, "no payload");
  }
  json_error_t error;
  // The plaintext belongs to the JWS.
  Json claims(json_loadb(reinterpret_cast<const char*>(plaintext),
                         plaintext_size, JSON_REJECT_DUPLICATES, &error));
  if (claims == nullptr || !json_is_object(claims.get())) {
    return Unauthenticated(Refusal::kMalformed, "claims are not a JSON object");
  }
  json_t* iss = json_object_get(claims.get(), "iss");
  if (!json_is_string(iss) || options.issuer != json_string_value(iss)) {
    return Unauthenticated(Refusal::kWrongIssuer,
                           absl::StrCat("iss must be '", options.issuer, "'"));
  }
  json_t* aud = json_object_get(claims.get(), "aud");
  bool audience =
      json_is_string(aud) && options.audience == json_string_value(aud);
  if (json_is_array(aud)) {
    for (size_t i = 0; i < json_array_size(aud); ++i) {
      json_t* a = json_array_get(aud, i);
      if (json_is_string(a) && options.audience == json_string_value(a)) {
        audience = true;
      }
    }
  }
  if (!audience) {
    return Unauthenticated(
        Refusal::kWrongAudience,
        absl::StrCat("aud must include '", options.audience, "'"));
  }
  std::optional<absl::Time> exp = TimeClaim(claims.get(), "exp");
  if (!exp.has_value()) {
    return Unauthenticated(Refusal::kExpired, "the token has no exp");
  }
  if (now >= *exp + options.clock_skew) {
    return Unauthenticated(Refusal::kExpired, "the token has expired");
  }
  std::optional<absl::Time> nbf = TimeClaim(claims.get(), "nbf");
  if (json_object_get(claims.get(), "nbf") != nullptr && !nbf.has_value()) {
    return Unauthenticated(Refusal::kMalformed, "nbf is not a NumericDate");
  }
  if (nbf.has_value() && now + options.clock_skew < *nbf) {
    return Unauthenticated(Refusal::kNotYetValid,
                           "the token is not valid yet (nbf)");
  }
  VerifiedToken out;
  out.expires = *exp;
  json_t* principal =
      json_object_get(claims.get(), options.principal_claim.c_str());
  auto add = [&](json_t* value) {
    if (json_is_string(value) && json_string_length(value) > 0 &&
        json_string_length(value) <= 256) {
      out.principals.emplace_back(json_string_value(value));
    }
  };
  if (json_is_array(principal)) {
    for (size_t i = 0; i < json_array_size(principal) && i < 100; ++i) {
      add(json_array_get(principal, i));
    }
  } else {
    add(principal);
  }
  if (out.principals.empty()) {
    return Unauthenticated(Refusal::kNoPrincipal,
                           absl::StrCat("claim '", options.principal_claim,
                                        "' names no principal"));
  }
  json_t* sub = json_object_get(claims.get(), "sub");
  out.subject = json_is_string(sub) && json_string_length(sub) > 0
                    ? json_string_value(sub)
                    : out.principals.front();
  // A single-valued claim is the principal the events record.
  if (!json_is_array(principal)) out.subject = out.principals.front();
  return out;
}

}  // namespace svledger::auth
