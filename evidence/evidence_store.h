#ifndef SVLEDGER_EVIDENCE_EVIDENCE_STORE_H_
#define SVLEDGER_EVIDENCE_EVIDENCE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

typedef struct magic_set* magic_t;

namespace svledger::evidence {

// Looks at a file before it is stored (a virus scan: clamd_scanner.h).
// Thread-safe implementations only: Put calls it from any thread.
class Scanner {
 public:
  virtual ~Scanner() = default;
  // OK if the file may be stored. INVALID_ARGUMENT "content: ..." naming
  // what was found; UNAVAILABLE when the scanner cannot be asked (nothing
  // is stored: retry later).
  virtual absl::Status Scan(absl::string_view content) = 0;
};

// Options for EvidenceStore::Open.
struct EvidenceStoreOptions {
  // The directory the files live in (created if missing). No default: the
  // server passes "<data dir>/evidence" unless configured, so that backups
  // (backup/README.md) carry the files with the log that names them.
  std::string dir;
  // The largest file accepted, in bytes. Default 25 MiB: a scanned
  // multi-page PDF or a photographed timesheet is a few MiB.
  uint64_t max_bytes = 25ull << 20;
  // Asked about each new file after its type is accepted and before it is
  // written. Not owned; must outlive the store. Default null: no scan.
  Scanner* scanner = nullptr;
};

// What the store holds of one file: the delivery event records these.
struct StoredEvidence {
  std::string sha256;      // 64 lower-case hex digits: the file's name
  uint64_t size = 0;       // bytes
  std::string media_type;  // from the content (libmagic), e.g. application/pdf
};

// Whether `media_type` is one evidence may have: PDF, PNG, JPEG, GIF,
// WebP or TIFF images, spreadsheets (xlsx, xls, ods), CSV and plain text.
// Not SVG or HTML (they carry scripts), nor archives or executables.
bool IsAcceptedMediaType(absl::string_view media_type);

// Uploaded evidence files, stored by content: `<dir>/<first two hex
// digits>/<sha256>`, each written durably (common/durable_file.h), never
// changed or deleted once written. Beside them, `<dir>/scopes/<scope>/
// <sha256>` (holding the hash) records that a file was stored for a scope
// (app/ uses the contract id), so a file is known to a scope only if it
// was given for it, not because its hash is known. The type is read from the
// bytes (libmagic, the `file` command's library), never from a name or a
// client's Content-Type. Who may store or read a file is not this class's
// business: app/ decides from the contract that names it.
//
// Thread-safe.
class EvidenceStore {
 public:
  // Opens the store in `options.dir`, creating it. Errors: INVALID_ARGUMENT
  // for an empty dir; INTERNAL if the directory cannot be made or libmagic's
  // database cannot be loaded.
  static absl::StatusOr<std::unique_ptr<EvidenceStore>> Open(
      const EvidenceStoreOptions& options);

  ~EvidenceStore();
  EvidenceStore(const EvidenceStore&) = delete;
  EvidenceStore& operator=(const EvidenceStore&) = delete;

  // Stores `content` and says what it is. Idempotent: the same bytes again
  // answer the same and are not written twice.
  // Errors (nothing is written):
  //   INVALID_ARGUMENT "content: ..." for an empty file, one over
  //     max_bytes (naming both sizes), a type not accepted (naming it and
  //     what is), or one the scanner refused (naming what it found);
  //   UNAVAILABLE when the scanner cannot be asked;
  //   RESOURCE_EXHAUSTED when the disk is full; INTERNAL otherwise.
  absl::StatusOr<StoredEvidence> Put(absl::string_view content);

  // The bytes and description of the file named `sha256`.
  // Errors: INVALID_ARGUMENT "sha256: ..." unless 64 hex digits; NOT_FOUND
  // when no such file is stored; DATA_LOSS naming the file when its bytes
  // no longer hash to its name (a damaged disk; restore from a backup).
  absl::StatusOr<std::string> Get(absl::string_view sha256) const;

  // What the stored file named `sha256` is, read from its bytes (so a
  // delivery records what was stored, not what a client said). Errors as
  // Get's.
  absl::StatusOr<StoredEvidence> Describe(absl::string_view sha256) const;

  // Records, durably, that the stored file `sha256` was given for `scope`.
  // Idempotent. Errors: INVALID_ARGUMENT naming sha256 or scope (a scope is
  // 1 to 128 bytes of letters, digits, '-', '_' and '.', not starting with
  // '.'); NOT_FOUND unless the file is stored; INTERNAL if it cannot be
  // written.
  absl::Status Grant(absl::string_view sha256, absl::string_view scope);

  // Whether Grant(sha256, scope) was recorded. Errors: INVALID_ARGUMENT as
  // Grant's.
  absl::StatusOr<bool> Granted(absl::string_view sha256,
                               absl::string_view scope) const;

  // The file's path for `sha256` (which need not exist). REQUIRES: sha256
  // is 64 lower-case hex digits.
  std::string PathOf(absl::string_view sha256) const;

  // The media type libmagic reads in `content` ("application/pdf").
  // Errors: INTERNAL if libmagic fails.
  absl::StatusOr<std::string> MediaTypeOf(absl::string_view content) const;

  const EvidenceStoreOptions& options() const { return options_; }

 private:
  EvidenceStore(const EvidenceStoreOptions& options, magic_t magic)
      : options_(options), magic_(magic) {}

  const EvidenceStoreOptions options_;
  // A libmagic handle is not thread-safe; one at a time.
  mutable absl::Mutex magic_mu_;
  magic_t magic_ ABSL_GUARDED_BY(magic_mu_);
};

}  // namespace svledger::evidence

#endif  // SVLEDGER_EVIDENCE_EVIDENCE_STORE_H_
