// libFuzzer target for what a client or an issuer controls in
// authentication: the JWKS document (auth::KeySet::Parse) and the bearer
// token (auth::VerifyToken, auth::TokenKeyId). The first byte picks which;
// the rest is the input. Neither may crash, hang or leak, whatever comes.
//
// Built with clang (-fsanitize=fuzzer,address) by the clang build of
// scripts/test (SVLEDGER_FUZZ) and run there by ctest for a fixed number of
// runs from the seeds in tests/fuzz/corpus.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "auth/key_set.h"
#include "auth/token_verifier.h"

namespace {

// One ES256 and one RSA public key, so verification gets past the key
// lookup for tokens whose kid is "ec" or "rsa".
constexpr char kJwks[] = R"({"keys":[
{"kty":"EC","crv":"P-256","kid":"ec","use":"sig",
 "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
 "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
{"kty":"RSA","kid":"rsa","use":"sig","e":"AQAB",
 "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
]})";

const svledger::auth::KeySet& Keys() {
  static const auto* const keys =
      new std::shared_ptr<const svledger::auth::KeySet>(
          *svledger::auth::KeySet::Parse(kJwks));
  return **keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  svledger::auth::OidcOptions options;
  options.issuer = "https://issuer.example";
  options.audience = "svledger";
  switch (data[0] % 3) {
    case 0:
      svledger::auth::KeySet::Parse(input).IgnoreError();
      break;
    case 1:
      svledger::auth::VerifyToken(input, Keys(), options,
                                  absl::FromUnixSeconds(1700000000))
          .IgnoreError();
      break;
    default:
      svledger::auth::TokenKeyId(input, options).IgnoreError();
      break;
  }
  return 0;
}
