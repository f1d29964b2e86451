#ifndef SVLEDGER_COMMON_DURABLE_FILE_H_
#define SVLEDGER_COMMON_DURABLE_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace svledger {

// Writes `bytes` to `path` so that after a crash `path` holds either what
// it held before (or nothing) or all of `bytes`: a temporary file beside
// it with a name of its own, written, fsynced, renamed over `path`, and the
// directory fsynced. Creates the directory if needed; the file has `mode`
// from its creation.
//
// Thread-safe: writers of the same path each use their own temporary file,
// and the last rename wins.
//
// Errors: RESOURCE_EXHAUSTED when the disk or quota is full; NOT_FOUND or
// INTERNAL naming the path otherwise. A failed write leaves no temporary.
absl::Status WriteFileDurably(const std::string& path, absl::string_view bytes,
                              uint32_t mode = 0600);

// The status for a failed file operation, from errno (read at the call):
// NOT_FOUND for ENOENT, RESOURCE_EXHAUSTED for a full disk or quota,
// INTERNAL otherwise; the message is "<what> <path>: <strerror>".
absl::Status ErrnoStatus(absl::string_view what, const std::string& path);

// Reads the whole of `path`. Errors: NOT_FOUND naming it; INTERNAL when
// reading fails.
absl::StatusOr<std::string> ReadFileWhole(const std::string& path);

}  // namespace svledger

#endif  // SVLEDGER_COMMON_DURABLE_FILE_H_
