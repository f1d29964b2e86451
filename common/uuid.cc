#include "common/uuid.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace svledger {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDashPosition(size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

}  // namespace

absl::StatusOr<Uuid> Uuid::Parse(absl::string_view text) {
  if (text.size() != 36) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a UUID: expected 36 characters, got ", text.size()));
  }
  Uuid uuid;
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (IsDashPosition(i)) {
      if (text[i] != '-') {
        return absl::InvalidArgumentError(
            absl::StrCat("not a UUID: expected '-' at offset ", i));
      }
      ++i;
      continue;
    }
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a UUID: non-hex character near offset ", i));
    }
    uuid.bytes[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return uuid;
}

Uuid Uuid::Random(RandomSource& random) {
  Uuid uuid;
  uint64_t a = random.Next64();
  uint64_t b = random.Next64();
  std::memcpy(uuid.bytes.data(), &a, 8);
  std::memcpy(uuid.bytes.data() + 8, &b, 8);
  uuid.bytes[6] = (uuid.bytes[6] & 0x0f) | 0x40;  // version 4
  uuid.bytes[8] = (uuid.bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return uuid;
}

namespace {

uint64_t Fnv1a64(absl::string_view data, uint64_t offset_basis) {
  uint64_t h = offset_basis;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

Uuid Uuid::FromName(absl::string_view name) {
  const uint64_t a = SplitMix64(Fnv1a64(name, 0xcbf29ce484222325ull));
  const uint64_t b = SplitMix64(Fnv1a64(name, 0x84222325cbf29ce4ull));
  Uuid uuid;
  for (int i = 0; i < 8; ++i) {
    uuid.bytes[i] = static_cast<uint8_t>(a >> (56 - 8 * i));
    uuid.bytes[8 + i] = static_cast<uint8_t>(b >> (56 - 8 * i));
  }
  uuid.bytes[6] = (uuid.bytes[6] & 0x0f) | 0x80;  // version 8
  uuid.bytes[8] = (uuid.bytes[8] & 0x3f) | 0x80;  // RFC 4122/9562 variant
  return uuid;
}

Uuid Uuid::FromBytes(absl::string_view raw) {
  Uuid uuid;
  std::memcpy(uuid.bytes.data(), raw.data(), uuid.bytes.size());
  return uuid;
}

std::string Uuid::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

bool Uuid::IsNil() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace svledger
