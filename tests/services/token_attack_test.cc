// Attacks on bearer tokens, through real gRPC: each refused
// UNAUTHENTICATED with its reason, and nothing written.

#include <cjose/cjose.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/dev_issuer.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "tests/services/dev_auth_server.h"
#include "tests/services/requests.h"
#include "tests/testing/temp_dir.h"

namespace svledger {
namespace {

std::string Base64Url(const std::string& bytes) {
  char* out = nullptr;
  size_t size = 0;
  cjose_err err;
  cjose_base64url_encode(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size(), &out, &size, &err);
  std::string text(out, size);
  free(out);
  return text;
}

class TokenAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::StartWithDevAuth(dir_.path());
    ASSERT_NE(server_, nullptr);
    channel_ = testing::ChannelTo(*server_);
    issuer_ = server_->dev_issuer();
    // The contract a forged token would report against.
    auto admin = issuer_->Mint("admin", absl::Now(), absl::Hours(1));
    ASSERT_TRUE(admin.ok());
    auto stub = v1::ContractService::NewStub(channel_);
    v1::RegisterContractRequest reg = testing::RegisterK1();
    reg.mutable_contract()->set_supplier_id("acme-facilities");
    grpc::ClientContext c1;
    c1.AddMetadata("authorization", "Bearer " + *admin);
    v1::CommandResponse r;
    ASSERT_TRUE(stub->RegisterContract(&c1, reg, &r).ok());
    grpc::ClientContext c2;
    c2.AddMetadata("authorization", "Bearer " + *admin);
    ASSERT_TRUE(stub->AddCommitments(&c2, testing::K1Jobs(), &r).ok());
  }

  // Claims of a token for `sub`, valid for an hour from now, with `extra`
  // fields replacing the usual ones (a JSON object's members, no braces).
  std::string Claims(const std::string& sub, const std::string& extra = "",
                     const std::string& iss = auth::DevIssuer::kIssuer,
                     const std::string& aud = auth::DevIssuer::kAudience) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    std::string claims = absl::StrCat("{\"iss\":\"", iss, "\",\"aud\":\"", aud,
                                      "\",\"sub\":\"", sub, "\"");
    if (extra.find("\"exp\"") == std::string::npos) {
      absl::StrAppend(&claims, ",\"exp\":", now + 3600);
    }
    if (!extra.empty()) absl::StrAppend(&claims, ",", extra);
    return claims + "}";
  }

  // Reports a delivery as the supplier with `authorization`; the status.
  grpc::Status Report(const std::string& authorization, bool header = true) {
    auto stub = v1::ContractService::NewStub(channel_);
    grpc::ClientContext context;
    if (header) context.AddMetadata("authorization", authorization);
    v1::CommandResponse response;
    const int n = ++n_;
    return stub->ReportDelivery(
        &context,
        // A month of its own each, so that no two reports overlap.
        testing::ReportRequest("K1", absl::StrCat("d", n), "jobs", 1,
                               domain::MakeDate(2025 + n / 12, 1 + n % 12, 1),
                               domain::MakeDate(2025 + n / 12, 1 + n % 12, 28)),
        &response);
  }

  // Expects `authorization` refused UNAUTHENTICATED with a message that
  // starts with `reason`, does not echo the token, and wrote nothing.
  void ExpectRefused(const std::string& authorization,
                     const std::string& reason) {
    const uint64_t head = server_->store().HeadPosition();
    grpc::Status s = Report(authorization);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << reason << ": " << s.error_message();
    EXPECT_EQ(s.error_message().rfind(reason + ":", 0), 0u)
        << "wanted " << reason << ", got: " << s.error_message();
    const std::string token = authorization.size() > 7 ? authorization.substr(7)
                                                       : std::string("<none>");
    if (token.size() > 20) {
      EXPECT_EQ(s.error_message().find(token.substr(0, 20)), std::string::npos)
          << "the message echoes the token";
    }
    EXPECT_EQ(server_->store().HeadPosition(), head) << reason;
  }

  std::string Bearer(const absl::StatusOr<std::string>& token) {
    EXPECT_TRUE(token.ok()) << token.status();
    return "Bearer " + token.value_or("");
  }

  testing::TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  const auth::DevIssuer* issuer_ = nullptr;
  int n_ = 0;
};

TEST_F(TokenAttackTest, AGoodTokenIsAcceptedAndTheSameOneAgainFromCache) {
  auto token =
      issuer_->Mint("supplier-acme-facilities", absl::Now(), absl::Hours(1));
  EXPECT_TRUE(Report(Bearer(token)).ok());
  EXPECT_TRUE(Report(Bearer(token)).ok());
}

TEST_F(TokenAttackTest, ExpiredAndNotYetValid) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  ExpectRefused(Bearer(issuer_->Sign(
                    Claims("admin", absl::StrCat("\"exp\":", now - 3600)))),
                "expired");
  ExpectRefused(Bearer(issuer_->Sign(
                    Claims("admin", absl::StrCat("\"nbf\":", now + 3600)))),
                "not_yet_valid");
  // Within the allowed skew (60 s) both are fine.
  EXPECT_TRUE(Report(Bearer(issuer_->Sign(
                         Claims("admin", absl::StrCat("\"exp\":", now - 20,
                                                      ",\"nbf\":", now + 20)))))
                  .ok());
  // No exp at all is refused too.
  ExpectRefused(Bearer(issuer_->Sign(absl::StrCat(
                    "{\"iss\":\"", auth::DevIssuer::kIssuer, "\",\"aud\":\"",
                    auth::DevIssuer::kAudience, "\",\"sub\":\"admin\"}"))),
                "expired");
}

TEST_F(TokenAttackTest, WrongIssuerAndAudience) {
  ExpectRefused(Bearer(issuer_->Sign(
                    Claims("admin", "", "https://evil.example/", "svledger"))),
                "wrong_issuer");
  ExpectRefused(Bearer(issuer_->Sign(Claims(
                    "admin", "", auth::DevIssuer::kIssuer, "another-service"))),
                "wrong_audience");
}

TEST_F(TokenAttackTest, AlgorithmNoneAndHmacWithThePublicKeyAsSecret) {
  const std::string payload = Base64Url(Claims("admin"));
  const std::string none_header = Base64Url(
      absl::StrCat("{\"alg\":\"none\",\"kid\":\"", issuer_->key_id(), "\"}"));
  ExpectRefused(absl::StrCat("Bearer ", none_header, ".", payload, "."),
                "malformed");
  ExpectRefused(absl::StrCat("Bearer ", none_header, ".", payload, ".AAAA"),
                "algorithm");
  // The classic confusion: HS256 keyed with the issuer's public key.
  std::ifstream in(issuer_->jwks_path());
  std::stringstream jwks;
  jwks << in.rdbuf();
  const std::string secret = jwks.str();
  cjose_err err;
  cjose_jwk_t* oct = cjose_jwk_create_oct_spec(
      reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), &err);
  ASSERT_NE(oct, nullptr);
  auto hs256 = auth::SignJws(oct, "HS256", issuer_->key_id(), Claims("admin"));
  cjose_jwk_release(oct);
  ExpectRefused(Bearer(hs256), "algorithm");
}

TEST_F(TokenAttackTest, UnknownKeyForgedSignatureAndTamperedPayload) {
  cjose_err err;
  cjose_jwk_t* other = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
  ASSERT_NE(other, nullptr);
  ExpectRefused(
      Bearer(auth::SignJws(other, "ES256", "not-a-known-kid", Claims("admin"))),
      "unknown_key");
  // The issuer's kid, another key's signature.
  ExpectRefused(
      Bearer(auth::SignJws(other, "ES256", issuer_->key_id(), Claims("admin"))),
      "bad_signature");
  cjose_jwk_release(other);
  // A supplier's real token with its payload changed to name the admin.
  auto real =
      issuer_->Mint("supplier-acme-facilities", absl::Now(), absl::Hours(1));
  ASSERT_TRUE(real.ok());
  const size_t first = real->find('.');
  const size_t second = real->find('.', first + 1);
  const std::string tampered = real->substr(0, first + 1) +
                               Base64Url(Claims("admin")) +
                               real->substr(second);
  ExpectRefused("Bearer " + tampered, "bad_signature");
}

TEST_F(TokenAttackTest, OversizedMalformedAndMissing) {
  ExpectRefused("Bearer " + std::string(9000, 'a'), "too_large");
  ExpectRefused("Bearer abc", "malformed");
  ExpectRefused("Bearer a.b", "malformed");
  ExpectRefused("Bearer !!!.???.***", "malformed");
  ExpectRefused("Basic dXNlcjpwYXNz", "malformed");
  // Padding inside a part made cjose's decoder assert, which would end the
  // server (found by tests/fuzz): refused before cjose sees it.
  auto real = issuer_->Mint("admin", absl::Now(), absl::Hours(1));
  ASSERT_TRUE(real.ok());
  ExpectRefused("Bearer " + real->substr(0, real->size() - 10) + "=" +
                    real->substr(real->size() - 9),
                "malformed");
  ExpectRefused(absl::StrCat("Bearer ", Base64Url("{\"alg\":\"ES256\""), ".",
                             Base64Url("{}"), ".AAAA"),
                "malformed");
  const uint64_t head = server_->store().HeadPosition();
  grpc::Status s = Report("", /*header=*/false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message().rfind("missing_credential:", 0), 0u);
  EXPECT_EQ(server_->store().HeadPosition(), head);
}

TEST_F(TokenAttackTest, ATokenWithoutThePrincipalClaim) {
  ExpectRefused(Bearer(issuer_->Sign(absl::StrCat(
                    "{\"iss\":\"", auth::DevIssuer::kIssuer, "\",\"aud\":\"",
                    auth::DevIssuer::kAudience, "\",\"exp\":",
                    absl::ToUnixSeconds(absl::Now()) + 3600, "}"))),
                "no_principal");
}

}  // namespace
}  // namespace svledger
