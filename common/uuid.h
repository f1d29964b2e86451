#ifndef SVLEDGER_COMMON_UUID_H_
#define SVLEDGER_COMMON_UUID_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random.h"

namespace svledger {

// A 128-bit UUID. Plain value type.
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  // Parses the canonical form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
  // (hex digits in either case). Errors: INVALID_ARGUMENT.
  static absl::StatusOr<Uuid> Parse(absl::string_view text);

  // A random version-4 UUID drawn from `random`.
  static Uuid Random(RandomSource& random);

  // A UUID determined by `name` alone (RFC 9562 version 8, custom): the same
  // name gives the same UUID in every build, forever, so it can key
  // idempotency (e.g. "contract/DCC-1/request/42"). Two 64-bit FNV-1a hashes
  // with different offset bases, each finished with the SplitMix64 mixer.
  // Not cryptographic: do not use it where names are adversarial secrets.
  static Uuid FromName(absl::string_view name);

  // Builds a UUID from exactly 16 bytes. REQUIRES: raw.size() == 16.
  static Uuid FromBytes(absl::string_view raw);

  // The canonical lower-case form.
  std::string ToString() const;

  // The 16 raw bytes, for storage keys.
  absl::string_view AsBytes() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                             bytes.size());
  }

  bool IsNil() const;

  friend bool operator==(const Uuid&, const Uuid&) = default;
};

}  // namespace svledger

#endif  // SVLEDGER_COMMON_UUID_H_
