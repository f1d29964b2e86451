#ifndef SVLEDGER_COMMON_DIGEST_H_
#define SVLEDGER_COMMON_DIGEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace svledger {

// The SHA-256 of `bytes` (OpenSSL), as 64 lower-case hexadecimal digits.
// Empty only if OpenSSL runs out of memory. Thread-safe.
std::string Sha256Hex(absl::string_view bytes);

// The SHA-256 of a file's contents, as 64 lower-case hex digits, read in
// pieces (any size). Errors: NOT_FOUND or PERMISSION_DENIED naming the
// path if it cannot be opened; DATA_LOSS if reading it fails.
absl::StatusOr<std::string> Sha256HexOfFile(const std::string& path);

}  // namespace svledger

#endif  // SVLEDGER_COMMON_DIGEST_H_
