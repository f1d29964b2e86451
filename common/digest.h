#ifndef SVLEDGER_COMMON_DIGEST_H_
#define SVLEDGER_COMMON_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace svledger {

// The SHA-256 of `bytes` (OpenSSL), as 64 lower-case hexadecimal digits.
// Empty only if OpenSSL runs out of memory. Thread-safe.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace svledger

#endif  // SVLEDGER_COMMON_DIGEST_H_
