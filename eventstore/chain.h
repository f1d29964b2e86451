#ifndef SVLEDGER_EVENTSTORE_CHAIN_H_
#define SVLEDGER_EVENTSTORE_CHAIN_H_

// The hash chain that makes the log tamper-evident (format version 2). This
// header is the authority for the bytes hashed; eventstore/README.md says
// the same in prose. Changing any of it needs a new format version.
//
// Each `events` value is the event's content, a serialized StoredEvent
// without field 14, followed by a trailer that is StoredEvent field 14
// (`chain_hash`, 32 bytes) in protobuf's wire format:
//
//   value   = content || 0x72 0x20 || chain_hash            (content + 34)
//   chain_hash(p) = SHA-256( "svledger.chain.v1" 0x00
//                            || BE64(p)
//                            || chain_hash(p - 1)
//                            || content(p) )
//   chain_hash(0) = 32 zero bytes
//
// The hash covers the exact stored bytes (never a re-serialization), the
// position, and the predecessor's hash: changing, removing or reordering
// any event breaks the link of that event, and rewriting every later
// hash as well changes the head, which a council can hold outside
// svledger (GetLogHead) and check later (VerifyLog's anchors).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace svledger::eventstore::chain {

inline constexpr size_t kHashBytes = 32;
// The trailer: tag of field 14 (wire type 2), length 32, the hash.
inline constexpr size_t kTrailerBytes = 2 + kHashBytes;
inline constexpr char kDomain[] = "svledger.chain.v1";  // hashed with its NUL

// 32 zero bytes: the predecessor of position 1.
const std::string& GenesisHash();

// chain_hash(position) from its predecessor's hash and its content.
// REQUIRES: prev.size() == kHashBytes. Thread-safe.
std::string Link(uint64_t position, absl::string_view prev,
                 absl::string_view content);

// The stored value: content followed by the trailer.
// REQUIRES: hash.size() == kHashBytes.
std::string Seal(absl::string_view content, absl::string_view hash);

// A stored value split into its content and its hash (views into `value`).
struct Sealed {
  absl::string_view content;
  absl::string_view hash;
};
// Errors: DATA_LOSS naming `position` when the value has no trailer.
absl::StatusOr<Sealed> Split(uint64_t position, absl::string_view value);

// 64 lower-case hexadecimal digits.
std::string Hex(absl::string_view hash);
// The inverse of Hex. Errors: INVALID_ARGUMENT (not 64 hex digits).
absl::StatusOr<std::string> FromHex(absl::string_view hex);

}  // namespace svledger::eventstore::chain

#endif  // SVLEDGER_EVENTSTORE_CHAIN_H_
