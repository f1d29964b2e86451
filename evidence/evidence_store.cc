#include "evidence/evidence_store.h"

#include <magic.h>

#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/durable_file.h"

namespace svledger::evidence {
namespace {

// The accepted types, as libmagic 5.44 names them.
const absl::flat_hash_set<std::string>& Accepted() {
  static const auto* accepted = new absl::flat_hash_set<std::string>{
      "application/pdf",
      "image/png",
      "image/jpeg",
      "image/gif",
      "image/webp",
      "image/tiff",
      "text/plain",
      "text/csv",
      "application/csv",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.ms-excel",
      "application/vnd.oasis.opendocument.spreadsheet",
  };
  return *accepted;
}

std::string MiB(uint64_t bytes) {
  return absl::StrCat(bytes / (1 << 20), ".",
                      (bytes % (1 << 20)) * 10 / (1 << 20), " MiB");
}

bool IsSha256Hex(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

bool IsAcceptedMediaType(absl::string_view media_type) {
  return Accepted().contains(media_type);
}

absl::StatusOr<std::unique_ptr<EvidenceStore>> EvidenceStore::Open(
    const EvidenceStoreOptions& options) {
  if (options.dir.empty()) {
    return absl::InvalidArgumentError("evidence store: no directory given");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("evidence store: creating ",
                                            options.dir, ": ", ec.message()));
  }
  magic_t magic = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
  if (magic == nullptr || magic_load(magic, nullptr) != 0) {
    const std::string why = magic != nullptr && magic_error(magic) != nullptr
                                ? magic_error(magic)
                                : "cannot open libmagic";
    if (magic != nullptr) magic_close(magic);
    return absl::InternalError(absl::StrCat("evidence store: libmagic: ", why));
  }
  return std::unique_ptr<EvidenceStore>(new EvidenceStore(options, magic));
}

EvidenceStore::~EvidenceStore() {
  absl::MutexLock lock(&magic_mu_);
  magic_close(magic_);
}

absl::StatusOr<std::string> EvidenceStore::MediaTypeOf(
    absl::string_view content) const {
  absl::MutexLock lock(&magic_mu_);
  const char* type = magic_buffer(magic_, content.data(), content.size());
  if (type == nullptr) {
    const char* why = magic_error(magic_);
    return absl::InternalError(
        absl::StrCat("libmagic: ", why != nullptr ? why : "no answer"));
  }
  return std::string(type);
}

std::string EvidenceStore::PathOf(absl::string_view sha256) const {
  return absl::StrCat(options_.dir, "/", sha256.substr(0, 2), "/", sha256);
}

absl::StatusOr<StoredEvidence> EvidenceStore::Put(absl::string_view content) {
  if (content.empty()) {
    return absl::InvalidArgumentError("content: the file is empty");
  }
  if (content.size() > options_.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("content: the file is ", MiB(content.size()),
                     ", over the limit of ", MiB(options_.max_bytes)));
  }
  absl::StatusOr<std::string> type = MediaTypeOf(content);
  if (!type.ok()) return type.status();
  if (!IsAcceptedMediaType(*type)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "content: a file of type ", *type,
        " is not accepted as evidence (PDF, PNG, JPEG, GIF, WebP or TIFF "
        "images, spreadsheets, CSV or plain text are)"));
  }
  StoredEvidence stored;
  stored.sha256 = Sha256Hex(content);
  stored.size = content.size();
  stored.media_type = *type;
  if (stored.sha256.empty()) return absl::InternalError("SHA-256 failed");
  const std::string path = PathOf(stored.sha256);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (options_.scanner != nullptr) {
      if (absl::Status s = options_.scanner->Scan(content); !s.ok()) return s;
    }
    if (absl::Status s = WriteFileDurably(path, content, 0640); !s.ok()) {
      return s;
    }
  }
  return stored;
}

absl::StatusOr<std::string> EvidenceStore::Get(absl::string_view sha256) const {
  if (!IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError(
        "sha256: want 64 lower-case hexadecimal digits");
  }
  const std::string path = PathOf(sha256);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("no evidence file with SHA-256 ", sha256));
  }
  absl::StatusOr<std::string> bytes = ReadFileWhole(path);
  if (!bytes.ok()) return bytes.status();
  if (Sha256Hex(*bytes) != sha256) {
    return absl::DataLossError(absl::StrCat(
        "evidence file ", path,
        " no longer matches its SHA-256: restore it from a backup"));
  }
  return bytes;
}

namespace {

absl::Status CheckScope(absl::string_view scope) {
  bool ok = !scope.empty() && scope.size() <= 128 && scope[0] != '.';
  for (char c : scope) {
    ok = ok && (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        "scope: want 1 to 128 letters, digits, '-', '_' or '.', not starting "
        "with '.'");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EvidenceStore::Grant(absl::string_view sha256,
                                  absl::string_view scope) {
  if (absl::Status s = CheckScope(scope); !s.ok()) return s;
  absl::StatusOr<bool> granted = Granted(sha256, scope);
  if (!granted.ok()) return granted.status();
  if (*granted) return absl::OkStatus();
  std::error_code ec;
  if (!std::filesystem::exists(PathOf(sha256), ec)) {
    return absl::NotFoundError(
        absl::StrCat("no evidence file with SHA-256 ", sha256));
  }
  return WriteFileDurably(
      absl::StrCat(options_.dir, "/scopes/", scope, "/", sha256), sha256, 0640);
}

absl::StatusOr<bool> EvidenceStore::Granted(absl::string_view sha256,
                                            absl::string_view scope) const {
  if (!IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError(
        "sha256: want 64 lower-case hexadecimal digits");
  }
  if (absl::Status s = CheckScope(scope); !s.ok()) return s;
  std::error_code ec;
  return std::filesystem::exists(
      absl::StrCat(options_.dir, "/scopes/", scope, "/", sha256), ec);
}

absl::StatusOr<StoredEvidence> EvidenceStore::Describe(
    absl::string_view sha256) const {
  absl::StatusOr<std::string> bytes = Get(sha256);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<std::string> type = MediaTypeOf(*bytes);
  if (!type.ok()) return type.status();
  return StoredEvidence{std::string(sha256), bytes->size(), *std::move(type)};
}

}  // namespace svledger::evidence
