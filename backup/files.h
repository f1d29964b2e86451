#ifndef SVLEDGER_BACKUP_FILES_H_
#define SVLEDGER_BACKUP_FILES_H_

// Plain files in a backup: hashing, durable copies, and walking a data
// directory. Internal to backup/.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace svledger::backup {

// The SHA-256 of a file's bytes, as 64 hex digits. Errors: NOT_FOUND or
// INTERNAL naming the path.
absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

// Copies `from` to `to` so that `to` is either absent or whole after a
// crash: a temporary file beside it, fsynced, renamed, and the directory
// fsynced. Creates `to`'s directory if needed.
absl::Status CopyDurably(const std::string& from, const std::string& to,
                         uint32_t mode = 0600);

// Renames `from` to `to` and fsyncs `to`'s directory.
absl::Status RenameDurably(const std::string& from, const std::string& to);

// Writes `bytes` to `to` the same way.
absl::Status WriteDurably(const std::string& to, const std::string& bytes);

absl::StatusOr<std::string> ReadWhole(const std::string& path);

struct DataFile {
  std::string path;  // relative to the data directory
  uint64_t size = 0;
  uint32_t mode = 0;
};

// Every regular file under `dir`, except under the top-level directories
// named in `skip`, in path order.
absl::StatusOr<std::vector<DataFile>> ListFiles(
    const std::string& dir, const std::vector<std::string>& skip);

// The bytes of every regular file under `dir`; 0 if it does not exist.
uint64_t DirectoryBytes(const std::string& dir);

}  // namespace svledger::backup

#endif  // SVLEDGER_BACKUP_FILES_H_
