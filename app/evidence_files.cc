#include "app/evidence_files.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "app/access_policy.h"
#include "domain/contract.h"
#include "domain/ids.h"

namespace svledger::app {
namespace {

absl::Status NoStore() {
  return absl::FailedPreconditionError(
      "this server keeps no evidence files (start it with --data-dir)");
}

}  // namespace

absl::Status EvidenceFiles::MayOnContract(
    const Caller& caller, Operation operation,
    const std::string& contract_id) const {
  if (absl::Status s = MayDo(caller, operation); !s.ok()) return s;
  if (absl::Status s = domain::CheckId(contract_id, "contract_id"); !s.ok()) {
    return s;
  }
  absl::Status allowed = absl::NotFoundError(
      absl::StrCat("contract_id: no contract '", contract_id, "'"));
  model_->current()->Read(contract_id, [&](const domain::ContractState& s) {
    allowed = MayDoOn(caller, operation, TargetOf(s.contract));
  });
  return allowed;
}

absl::StatusOr<v1::Evidence> EvidenceFiles::Upload(
    const Caller& caller, const std::string& contract_id,
    const std::string& name, absl::string_view content) const {
  if (absl::Status s =
          MayOnContract(caller, Operation::kReportDelivery, contract_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = domain::CheckFileName(name, "name"); !s.ok()) return s;
  if (store_ == nullptr) return NoStore();
  absl::StatusOr<evidence::StoredEvidence> stored = store_->Put(content);
  if (!stored.ok()) return stored.status();
  // Known to this contract from now on, and only to those it was given for.
  if (absl::Status s = store_->Grant(stored->sha256, contract_id); !s.ok()) {
    return s;
  }
  v1::Evidence out;
  out.set_uri(absl::StrCat(kUploadedEvidenceScheme, stored->sha256));
  out.set_sha256(stored->sha256);
  out.set_name(name);
  out.set_size(stored->size);
  out.set_media_type(stored->media_type);
  return out;
}

absl::StatusOr<EvidenceDownload> EvidenceFiles::Download(
    const Caller& caller, const std::string& contract_id,
    const std::string& sha256) const {
  if (absl::Status s =
          MayOnContract(caller, Operation::kReadContract, contract_id);
      !s.ok()) {
    return s;
  }
  bool named = false;
  std::string name;
  model_->current()->Read(contract_id, [&](const domain::ContractState& s) {
    for (const auto& [id, delivery] : s.deliveries) {
      const v1::Evidence& e = delivery.report.evidence();
      if (e.sha256() == sha256 &&
          absl::StartsWith(e.uri(), kUploadedEvidenceScheme)) {
        named = true;
        if (name.empty()) name = e.name();
      }
    }
  });
  if (!named) {
    return absl::NotFoundError(
        absl::StrCat("sha256: no delivery of contract '", contract_id,
                     "' names an uploaded file with SHA-256 ", sha256));
  }
  if (store_ == nullptr) return NoStore();
  absl::StatusOr<std::string> content = store_->Get(sha256);
  if (!content.ok()) return content.status();
  absl::StatusOr<std::string> type = store_->MediaTypeOf(*content);
  if (!type.ok()) return type.status();
  return EvidenceDownload{*std::move(content), std::move(name),
                          *std::move(type)};
}

absl::Status EvidenceFiles::Complete(const Caller& caller,
                                     const std::string& contract_id,
                                     v1::Evidence& evidence) const {
  absl::string_view hash = evidence.uri();
  if (!absl::ConsumePrefix(&hash, kUploadedEvidenceScheme)) {
    return absl::OkStatus();
  }
  // Nothing is said of a file to whoever may not report on the contract.
  if (absl::Status s =
          MayOnContract(caller, Operation::kReportDelivery, contract_id);
      !s.ok()) {
    return s;
  }
  if (hash.size() != 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "evidence.uri: an uploaded file is named ", kUploadedEvidenceScheme,
        "<64 lower-case hexadecimal digits>"));
  }
  if (!evidence.sha256().empty() && evidence.sha256() != hash) {
    return absl::InvalidArgumentError(
        "evidence.uri: names another file than evidence.sha256");
  }
  if (store_ == nullptr) return NoStore();
  // A file uploaded for another contract is not this one's, whoever
  // learnt its hash.
  absl::StatusOr<bool> granted = store_->Granted(hash, contract_id);
  if (absl::IsInvalidArgument(granted.status()) ||
      (granted.ok() && !*granted)) {
    return absl::FailedPreconditionError(
        absl::StrCat("evidence.uri: no file with SHA-256 ", hash,
                     " was uploaded for contract '", contract_id,
                     "'; upload it first (POST /evidence/", contract_id, ")"));
  }
  if (!granted.ok()) return granted.status();
  absl::StatusOr<evidence::StoredEvidence> stored = store_->Describe(hash);
  if (!stored.ok()) return stored.status();
  evidence.set_sha256(stored->sha256);
  evidence.set_size(stored->size);
  evidence.set_media_type(stored->media_type);
  return absl::OkStatus();
}

}  // namespace svledger::app
