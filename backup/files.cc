#include "backup/files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/durable_file.h"

namespace svledger::backup {
namespace {

namespace fs = std::filesystem;

// The shared errno rule (common/durable_file.h).
absl::Status Errno(absl::string_view what, const std::string& path) {
  return ErrnoStatus(what, path);
}

absl::Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Errno("opening", path);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return Errno("syncing", path);
  return absl::OkStatus();
}

// Writes by `write(fd)` into a temporary file, then makes it `to`.
template <typename WriteFn>
absl::Status Durably(const std::string& to, uint32_t mode, WriteFn write) {
  const fs::path target(to);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return absl::InternalError(absl::StrCat(
        "creating ", target.parent_path().string(), ": ", ec.message()));
  }
  const std::string tmp = to + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Errno("creating", tmp);
  absl::Status written = write(fd, tmp);
  if (written.ok() && ::fsync(fd) != 0) written = Errno("syncing", tmp);
  ::close(fd);
  if (written.ok() && ::rename(tmp.c_str(), to.c_str()) != 0) {
    written = Errno("renaming to", to);
  }
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written;
  }
  return SyncPath(target.parent_path().string(), O_RDONLY | O_DIRECTORY);
}

absl::Status WriteAll(int fd, const char* data, size_t size,
                      const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> Sha256OfFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Errno("opening", path);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                         EVP_MD_CTX_free);
  if (ctx == nullptr ||
      EVP_DigestInit_ex2(ctx.get(), EVP_sha256(), nullptr) != 1) {
    ::close(fd);
    return absl::InternalError("OpenSSL: SHA-256 unavailable");
  }
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status error = Errno("reading", path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    return absl::InternalError("OpenSSL: SHA-256 failed");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

absl::Status CopyDurably(const std::string& from, const std::string& to,
                         uint32_t mode) {
  const int in = ::open(from.c_str(), O_RDONLY);
  if (in < 0) return Errno("opening", from);
  absl::Status copied = Durably(to, mode, [&](int out, const std::string& tmp) {
    char buffer[1 << 16];
    while (true) {
      const ssize_t n = ::read(in, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("reading", from);
      if (n == 0) return absl::OkStatus();
      if (absl::Status s = WriteAll(out, buffer, static_cast<size_t>(n), tmp);
          !s.ok()) {
        return s;
      }
    }
  });
  ::close(in);
  return copied;
}

absl::Status RenameDurably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno("renaming to", to);
  return SyncPath(fs::path(to).parent_path().string(), O_RDONLY | O_DIRECTORY);
}

absl::Status WriteDurably(const std::string& to, const std::string& bytes) {
  return WriteFileDurably(to, bytes, 0600);
}

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  return ReadFileWhole(path);
}

absl::StatusOr<std::vector<DataFile>> ListFiles(
    const std::string& dir, const std::vector<std::string>& skip) {
  std::vector<DataFile> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return files;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path relative = fs::relative(it->path(), dir, ec);
    if (ec) break;
    if (it.depth() == 0 && it->is_directory() &&
        std::find(skip.begin(), skip.end(), relative.string()) != skip.end()) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    // A half-written copy of our own, or of the server's, is not state.
    if (relative.extension() == ".tmp") continue;
    DataFile file;
    file.path = relative.string();
    file.size = it->file_size(ec);
    file.mode = static_cast<uint32_t>(it->status().permissions()) & 0777;
    files.push_back(std::move(file));
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("listing ", dir, ": ", ec.message()));
  }
  std::sort(
      files.begin(), files.end(),
      [](const DataFile& a, const DataFile& b) { return a.path < b.path; });
  return files;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec)) bytes += it->file_size(ec);
  }
  return bytes;
}

}  // namespace svledger::backup
