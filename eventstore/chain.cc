#include "eventstore/chain.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "eventstore/format.h"

namespace svledger::eventstore::chain {
namespace {

constexpr char kTrailerTag = 0x72;  // (14 << 3) | 2
constexpr char kTrailerLength = 0x20;

// One digest context per thread, reused: creating one per event would cost
// more than hashing a small event.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) Die("EVP_MD_CTX_new");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }

  std::string Hash(std::initializer_list<absl::string_view> parts) {
    if (EVP_DigestInit_ex2(ctx_, EVP_sha256(), nullptr) != 1) {
      Die("EVP_DigestInit_ex2");
    }
    for (absl::string_view part : parts) {
      if (EVP_DigestUpdate(ctx_, part.data(), part.size()) != 1) {
        Die("EVP_DigestUpdate");
      }
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_, out, &length) != 1 || length != kHashBytes) {
      Die("EVP_DigestFinal_ex");
    }
    return std::string(reinterpret_cast<const char*>(out), length);
  }

 private:
  // SHA-256 fails only when OpenSSL cannot allocate: nothing could be
  // appended or verified correctly after that.
  [[noreturn]] static void Die(const char* what) {
    std::fprintf(stderr, "eventstore: OpenSSL %s failed\n", what);
    std::abort();
  }
  EVP_MD_CTX* ctx_;
};

}  // namespace

const std::string& GenesisHash() {
  static const std::string* const genesis = new std::string(kHashBytes, '\0');
  return *genesis;
}

std::string Link(uint64_t position, absl::string_view prev,
                 absl::string_view content) {
  thread_local Sha256 sha;
  const std::string at = format::EncodeU64(position);
  return sha.Hash(
      {absl::string_view(kDomain, sizeof(kDomain)), at, prev, content});
}

std::string Seal(absl::string_view content, absl::string_view hash) {
  std::string value;
  value.reserve(content.size() + kTrailerBytes);
  value.append(content.data(), content.size());
  value.push_back(kTrailerTag);
  value.push_back(kTrailerLength);
  value.append(hash.data(), hash.size());
  return value;
}

absl::StatusOr<Sealed> Split(uint64_t position, absl::string_view value) {
  if (value.size() < kTrailerBytes ||
      value[value.size() - kTrailerBytes] != kTrailerTag ||
      value[value.size() - kTrailerBytes + 1] != kTrailerLength) {
    return absl::DataLossError(absl::StrCat("event at position ", position,
                                            " has no chain hash trailer"));
  }
  return Sealed{value.substr(0, value.size() - kTrailerBytes),
                value.substr(value.size() - kHashBytes)};
}

std::string Hex(absl::string_view hash) { return absl::BytesToHexString(hash); }

absl::StatusOr<std::string> FromHex(absl::string_view hex) {
  if (hex.size() != 2 * kHashBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected 64 hexadecimal digits, found ", hex.size(), " characters"));
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          "expected 64 hexadecimal digits, found a non-hexadecimal character");
    }
  }
  return absl::HexStringToBytes(hex);
}

}  // namespace svledger::eventstore::chain
