// Token verification (RS256 and ES256, audiences, principal claims), the
// issuer's keys from a file and from its discovery document, and key
// rotation. The attacks are in tests/services/token_attack_test.cc.

#include <cjose/cjose.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/authenticator.h"
#include "auth/dev_issuer.h"
#include "auth/key_set.h"
#include "auth/key_source.h"
#include "auth/token_verifier.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/http_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::auth {
namespace {

constexpr char kIssuer[] = "https://issuer.example";

// A signing key of either kind with its public JWK (kid set).
struct Key {
  explicit Key(bool rsa, std::string id) : kid(std::move(id)) {
    cjose_err err;
    static const uint8_t kE[] = {0x01, 0x00, 0x01};
    jwk = rsa ? cjose_jwk_create_RSA_random(2048, kE, sizeof(kE), &err)
              : cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
    cjose_jwk_set_kid(jwk, kid.data(), kid.size(), &err);
    alg = rsa ? "RS256" : "ES256";
  }
  ~Key() { cjose_jwk_release(jwk); }
  std::string PublicJson() const {
    cjose_err err;
    char* json = cjose_jwk_to_json(jwk, false, &err);
    std::string out = json;
    free(json);
    return out;
  }
  std::string Sign(const std::string& claims) const {
    return *SignJws(jwk, alg, kid, claims);
  }
  cjose_jwk_t* jwk;
  std::string kid;
  std::string alg;
};

std::string Jwks(std::initializer_list<const Key*> keys) {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const Key* k : keys) {
    absl::StrAppend(&out, first ? "" : ",", k->PublicJson());
    first = false;
  }
  return out + "]}";
}

std::string Claims(const std::string& extra) {
  return absl::StrCat("{\"iss\":\"", kIssuer,
                      "\",\"exp\":", absl::ToUnixSeconds(absl::Now()) + 3600,
                      ",", extra, "}");
}

OidcOptions Options() {
  OidcOptions o;
  o.issuer = kIssuer;
  o.audience = "svledger";
  return o;
}

TEST(TokenVerifierTest, Rs256AndEs256AndAudienceArrays) {
  Key rsa(true, "r1"), ec(false, "e1");
  auto keys = KeySet::Parse(Jwks({&rsa, &ec}));
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ((*keys)->size(), 2u);
  for (const Key* k : {&rsa, &ec}) {
    auto v = VerifyToken(k->Sign(Claims("\"aud\":[\"other\",\"svledger\"],"
                                        "\"sub\":\"alice\"")),
                         **keys, Options(), absl::Now());
    ASSERT_TRUE(v.ok()) << k->alg << ": " << v.status();
    EXPECT_EQ(v->subject, "alice");
    EXPECT_EQ(v->principals, std::vector<std::string>{"alice"});
  }
  // The RSA key's kid with an ES256 header: the algorithm must match it.
  const std::string confused = *SignJws(ec.jwk, "ES256", "r1",
                                        Claims("\"aud\":\"svledger\","
                                               "\"sub\":\"x\""));
  auto v = VerifyToken(confused, **keys, Options(), absl::Now());
  EXPECT_EQ(RefusalOf(v.status()), Refusal::kAlgorithm) << v.status();
}

TEST(TokenVerifierTest, PrincipalFromAConfiguredClaim) {
  Key ec(false, "e1");
  auto keys = KeySet::Parse(Jwks({&ec}));
  ASSERT_TRUE(keys.ok());
  const std::string token =
      ec.Sign(Claims("\"aud\":\"svledger\",\"sub\":\"u-123\","
                     "\"email\":\"j.smith@norwich.gov.uk\","
                     "\"groups\":[\"sv-managers-norwich\",\"staff\"]"));
  OidcOptions email = Options();
  email.principal_claim = "email";
  auto by_email = VerifyToken(token, **keys, email, absl::Now());
  ASSERT_TRUE(by_email.ok()) << by_email.status();
  EXPECT_EQ(by_email->subject, "j.smith@norwich.gov.uk");
  // Groups: each group is a principal; the subject is the actor.
  OidcOptions groups = Options();
  groups.principal_claim = "groups";
  auto by_group = VerifyToken(token, **keys, groups, absl::Now());
  ASSERT_TRUE(by_group.ok()) << by_group.status();
  EXPECT_EQ(by_group->subject, "u-123");
  EXPECT_EQ(by_group->principals,
            (std::vector<std::string>{"sv-managers-norwich", "staff"}));
  OidcOptions missing = Options();
  missing.principal_claim = "preferred_username";
  EXPECT_EQ(
      RefusalOf(VerifyToken(token, **keys, missing, absl::Now()).status()),
      Refusal::kNoPrincipal);
}

TEST(TokenVerifierTest, CriticalHeaderParametersAreRefused) {
  Key ec(false, "e1");
  auto keys = KeySet::Parse(Jwks({&ec}));
  ASSERT_TRUE(keys.ok());
  cjose_err err;
  cjose_header_t* header = cjose_header_new(&err);
  cjose_header_set(header, CJOSE_HDR_ALG, "ES256", &err);
  cjose_header_set(header, CJOSE_HDR_KID, "e1", &err);
  cjose_header_set(header, "crit", "exp-extension", &err);
  const std::string claims = Claims("\"aud\":\"svledger\",\"sub\":\"x\"");
  cjose_jws_t* jws = cjose_jws_sign(
      ec.jwk, header, reinterpret_cast<const uint8_t*>(claims.data()),
      claims.size(), &err);
  cjose_header_release(header);
  ASSERT_NE(jws, nullptr);
  const char* compact = nullptr;
  ASSERT_TRUE(cjose_jws_export(jws, &compact, &err));
  const std::string token = compact;
  cjose_jws_release(jws);
  auto v = VerifyToken(token, **keys, Options(), absl::Now());
  EXPECT_EQ(RefusalOf(v.status()), Refusal::kMalformed) << v.status();
}

TEST(DevIssuerTest, TheKeyAndItsKidSurviveARestart) {
  testing::TempDir dir;
  auto first = DevIssuer::Open(dir.path());
  ASSERT_TRUE(first.ok()) << first.status();
  auto token = (*first)->Mint("admin", absl::Now(), absl::Hours(1));
  ASSERT_TRUE(token.ok());
  const std::string kid = (*first)->key_id();
  first->reset();
  auto again = DevIssuer::Open(dir.path());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->key_id(), kid);
  // A token of the first start verifies against the JWKS of the second.
  std::ifstream in((*again)->jwks_path());
  std::stringstream jwks;
  jwks << in.rdbuf();
  auto keys = KeySet::Parse(jwks.str());
  ASSERT_TRUE(keys.ok()) << keys.status();
  OidcOptions dev;
  dev.issuer = DevIssuer::kIssuer;
  dev.audience = DevIssuer::kAudience;
  EXPECT_TRUE(VerifyToken(*token, **keys, dev, absl::Now()).ok());
}

TEST(KeySetTest, BadDocumentsAreRefusedWithTheReason) {
  EXPECT_FALSE(KeySet::Parse("not json").ok());
  EXPECT_FALSE(KeySet::Parse("{}").ok());
  EXPECT_FALSE(KeySet::Parse(std::string(2 << 20, ' ')).ok());
  auto padded = KeySet::Parse(
      R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"AA==","y":"AA"}]})");
  ASSERT_FALSE(padded.ok());
  EXPECT_NE(padded.status().message().find("keys[0].x"), std::string::npos)
      << padded.status();
  // Keys of kinds no token may use are left out, not fatal.
  auto other =
      KeySet::Parse(R"({"keys":[{"kty":"oct","kid":"h","k":"AAAA"}]})");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ((*other)->size(), 0u);
}

TEST(KeySourceTest, ARotatedKeyFileIsPickedUpOnAnUnknownKid) {
  testing::TempDir dir;
  Key old_key(false, "2026-11"), new_key(false, "2026-12");
  const std::string path = dir.path() + "/jwks.json";
  std::ofstream(path) << Jwks({&old_key});
  KeySourceOptions options;
  options.jwks_file = path;
  options.min_refresh = absl::ZeroDuration();
  auto keys = KeySource::Start(options);
  ASSERT_TRUE(keys.ok()) << keys.status();
  AuthenticatorOptions auth_options;
  auth_options.oidc = Options();
  auth_options.keys = keys->get();
  Authenticator authenticator(auth_options, Clock::Real());
  const std::string header = "Bearer ";
  const std::string claims = Claims("\"aud\":\"svledger\",\"sub\":\"bob\"");
  ASSERT_TRUE(
      authenticator.Authenticate(header + old_key.Sign(claims), {}).ok());
  // The issuer rotates: a token of the new key arrives before the file
  // was read again. Refused, and the source asked to look again.
  std::ofstream(path) << Jwks({&old_key, &new_key});
  const std::string rotated = header + new_key.Sign(claims);
  auto first = authenticator.Authenticate(rotated, {});
  EXPECT_EQ(RefusalOf(first.status()), Refusal::kUnknownKey) << first.status();
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return authenticator.Authenticate(rotated, {}).ok(); },
      absl::Seconds(10)));
}

TEST(KeySourceTest, KeysFromTheIssuersDiscoveryDocument) {
  testing::HttpServer idp;
  Key key(true, "rsa-1");
  idp.Set("/.well-known/openid-configuration",
          absl::StrCat("{\"issuer\":\"", idp.url(), "\",\"jwks_uri\":\"",
                       idp.url(), "/keys\"}"));
  idp.Set("/keys", Jwks({&key}));
  KeySourceOptions options;
  options.issuer_url = idp.url();
  auto keys = KeySource::Start(options);
  ASSERT_TRUE(keys.ok()) << keys.status();
  OidcOptions oidc = Options();
  oidc.issuer = idp.url();
  auto v = VerifyToken(
      key.Sign(absl::StrCat("{\"iss\":\"", idp.url(),
                            "\",\"aud\":\"svledger\",\"sub\":\"carol\","
                            "\"exp\":",
                            absl::ToUnixSeconds(absl::Now()) + 60, "}")),
      *(*keys)->Current(), oidc, absl::Now());
  EXPECT_TRUE(v.ok()) << v.status();
  // No keys at start is a start-up error, naming what failed.
  KeySourceOptions missing;
  missing.issuer_url = idp.url() + "/nowhere";
  auto none = KeySource::Start(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("404"), std::string::npos)
      << none.status();
  // Plain http only on loopback.
  EXPECT_EQ(HttpGet("http://issuer.example/keys", 1000, absl::Seconds(1))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace svledger::auth
