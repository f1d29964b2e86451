#ifndef SVLEDGER_APP_EVIDENCE_FILES_H_
#define SVLEDGER_APP_EVIDENCE_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "app/access_policy.h"
#include "app/caller.h"
#include "evidence/evidence_store.h"
#include "projections/contract_read_model.h"
#include "svledger/v1/contract.pb.h"

namespace svledger::app {

// The URI scheme of an uploaded file: "svledger-evidence:<sha256>".
inline constexpr absl::string_view kUploadedEvidenceScheme =
    "svledger-evidence:";

// A file to hand a reader: its bytes and what the delivery recorded of it.
struct EvidenceDownload {
  std::string content;
  std::string name;        // as the delivery recorded it; may be empty
  std::string media_type;  // read from the stored bytes
};

// Evidence files uploaded for a contract's deliveries: who may store one,
// who may read one, and what a delivery records of it. Every front door
// (HTTP's /evidence, the console through it) calls these.
//
// Upload is before the report that names the file, so a file is stored
// for a contract, not a delivery: anyone who may report a delivery on the
// contract may upload (its supplier, its council's managers, admins).
// Download is for those who may read the contract, and only of a file
// some delivery of that contract names; a delivery may name only a file
// uploaded for its contract (EvidenceStore::Grant): a hash alone opens
// nothing.
//
// Thread-safe. `store` (may be null: no uploads) and `model` must outlive it.
class EvidenceFiles {
 public:
  EvidenceFiles(evidence::EvidenceStore* store,
                projections::ContractReadModel* model)
      : store_(store), model_(model) {}

  // Stores `content` for a delivery of `contract_id` and returns the
  // Evidence for the report to name. Idempotent by content.
  // Errors: INVALID_ARGUMENT naming contract_id, name or content (empty,
  // too large, a type not accepted, refused by the scanner);
  // PERMISSION_DENIED unless the caller may report on the contract;
  // NOT_FOUND for no such contract; FAILED_PRECONDITION when this server
  // keeps no evidence files; UNAVAILABLE when the scanner cannot be asked.
  absl::StatusOr<v1::Evidence> Upload(const Caller& caller,
                                      const std::string& contract_id,
                                      const std::string& name,
                                      absl::string_view content) const;

  // The file `sha256` as a delivery of `contract_id` names it.
  // Errors: INVALID_ARGUMENT naming contract_id or sha256; PERMISSION_DENIED
  // unless the caller may read the contract; NOT_FOUND for no such
  // contract, or when no delivery of it names the file; DATA_LOSS when the
  // stored bytes no longer match (the store's).
  absl::StatusOr<EvidenceDownload> Download(const Caller& caller,
                                            const std::string& contract_id,
                                            const std::string& sha256) const;

  // For ReportDelivery on `contract_id`: if `evidence` names an uploaded
  // file, checks it was uploaded for that contract and sets sha256, size
  // and media_type from the stored bytes. Other evidence is left as it is.
  // Errors: PERMISSION_DENIED / NOT_FOUND as Upload's for the contract
  // (checked first, so nothing is said of a file to whoever may not
  // report there); INVALID_ARGUMENT naming evidence.uri for a malformed
  // upload URI or one whose sha256 differs; FAILED_PRECONDITION naming
  // evidence.uri when no such file was uploaded for the contract (or this
  // server keeps none); DATA_LOSS as the store's.
  absl::Status Complete(const Caller& caller, const std::string& contract_id,
                        v1::Evidence& evidence) const;

 private:
  // OK if the caller may do `operation` on the contract `contract_id`;
  // INVALID_ARGUMENT, PERMISSION_DENIED or NOT_FOUND as the methods say.
  absl::Status MayOnContract(const Caller& caller, Operation operation,
                             const std::string& contract_id) const;

  evidence::EvidenceStore* const store_;
  projections::ContractReadModel* const model_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_EVIDENCE_FILES_H_
