#include "app/storage_admin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "app/access_policy.h"
#include "eventstore/chain.h"
#include "google/protobuf/util/time_util.h"

namespace svledger::app {
namespace {

using eventstore::chain::Hex;

v1::Backup ToProto(const backup::BackupInfo& info) {
  v1::Backup out;
  out.set_backup_id(info.id);
  *out.mutable_created() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(info.created));
  out.set_position(info.position);
  out.set_chain_sha256(Hex(info.chain_hash));
  out.set_size_bytes(info.size_bytes);
  out.set_files(info.files);
  return out;
}

}  // namespace

StorageAdmin::StorageAdmin(StorageAdminOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {}

absl::StatusOr<v1::LogHead> StorageAdmin::Head(const Caller& caller) const {
  if (absl::Status s = MayDo(caller, Operation::kReadLogHead); !s.ok()) {
    return s;
  }
  const eventstore::ChainHead head = options_.store->DurableChainHead();
  v1::LogHead out;
  out.set_position(head.position);
  out.set_sha256(Hex(head.hash));
  return out;
}

absl::StatusOr<v1::VerifyLogResponse> StorageAdmin::VerifyLog(
    const Caller& caller, const v1::VerifyLogRequest& request) const {
  if (absl::Status s = MayDo(caller, Operation::kVerifyLog); !s.ok()) return s;
  if (request.anchors_size() > kMaxAnchors) {
    return absl::InvalidArgumentError(absl::StrCat(
        "anchors: at most ", kMaxAnchors, ", found ", request.anchors_size()));
  }
  eventstore::VerifyChainOptions options;
  options.indexes = request.check_indexes();
  for (int i = 0; i < request.anchors_size(); ++i) {
    absl::StatusOr<std::string> hash =
        eventstore::chain::FromHex(request.anchors(i).sha256());
    if (!hash.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("anchors[", i, "].sha256: ", hash.status().message()));
    }
    options.anchors.push_back({request.anchors(i).position(), *hash});
  }
  // One check at a time: each reads the whole log.
  if (verifying_.exchange(true)) {
    return absl::AbortedError(
        "a check of the log's chain is running; try again when it has "
        "finished");
  }
  absl::StatusOr<eventstore::ChainReport> report =
      options_.store->VerifyChain(options);
  verifying_ = false;
  if (!report.ok()) return report.status();
  v1::VerifyLogResponse out;
  out.set_through_position(report->through);
  out.set_events_checked(report->events);
  if (!report->head_hash.empty()) out.set_head_sha256(Hex(report->head_hash));
  if (report->broken.has_value()) {
    out.set_broken_position(report->broken->position);
    out.set_broken_reason(report->broken->reason);
  }
  for (const eventstore::AnchorCheck& anchor : report->anchors) {
    v1::VerifyLogResponse::AnchorResult* a = out.add_anchors();
    a->set_position(anchor.position);
    a->set_matched(anchor.matched);
    if (!anchor.found.empty()) a->set_found_sha256(Hex(anchor.found));
  }
  out.set_seconds(absl::ToDoubleSeconds(report->took));
  return out;
}

absl::Status StorageAdmin::NeedBackups(const Caller& caller) const {
  if (absl::Status s = MayDo(caller, Operation::kOperateBackups); !s.ok()) {
    return s;
  }
  if (options_.backups == nullptr) {
    return absl::FailedPreconditionError(
        "this server keeps no backups: start it with --backup-dir=DIR (on "
        "another disk than --data-dir)");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::CreateBackupResponse> StorageAdmin::CreateBackup(
    const Caller& caller) {
  if (absl::Status s = NeedBackups(caller); !s.ok()) return s;
  absl::StatusOr<backup::CreateReport> report = options_.backups->Create(
      *options_.store, *options_.projections, options_.data_dir, clock_->Now());
  if (!report.ok()) {
    if (options_.observer != nullptr && !absl::IsAborted(report.status())) {
      options_.observer->BackupFailed();
    }
    return report.status();
  }
  if (options_.observer != nullptr) {
    options_.observer->BackupCreated(*report, clock_->Now());
    options_.observer->NewestBackup(report->backup.created,
                                    report->backup.size_bytes);
  }
  v1::CreateBackupResponse out;
  *out.mutable_backup() = ToProto(report->backup);
  out.set_added_bytes(report->added_bytes);
  out.set_seconds(absl::ToDoubleSeconds(report->took));
  return out;
}

absl::StatusOr<v1::ListBackupsResponse> StorageAdmin::ListBackups(
    const Caller& caller) {
  if (absl::Status s = NeedBackups(caller); !s.ok()) return s;
  v1::ListBackupsResponse out;
  for (const backup::BackupInfo& info : options_.backups->List()) {
    *out.add_backups() = ToProto(info);
  }
  out.set_backup_dir(options_.backups->dir());
  return out;
}

absl::StatusOr<v1::VerifyBackupResponse> StorageAdmin::VerifyBackup(
    const Caller& caller, const v1::VerifyBackupRequest& request) {
  if (absl::Status s = NeedBackups(caller); !s.ok()) return s;
  std::optional<uint32_t> id;
  if (request.backup_id() != 0) id = request.backup_id();
  absl::StatusOr<backup::VerifyReport> report = options_.backups->Verify(id);
  if (!report.ok()) return report.status();
  if (options_.observer != nullptr) {
    options_.observer->BackupVerified(report->ok(), clock_->Now());
  }
  v1::VerifyBackupResponse out;
  out.set_backup_id(report->id);
  out.set_ok(report->ok());
  out.set_problem(report->problem);
  out.set_files_checked(report->files_checked);
  out.set_bytes_checked(report->bytes_checked);
  out.set_chain_through_position(report->chain.through);
  if (!report->chain.head_hash.empty()) {
    out.set_chain_head_sha256(Hex(report->chain.head_hash));
  }
  out.set_seconds(absl::ToDoubleSeconds(report->took));
  return out;
}

absl::StatusOr<v1::PruneBackupsResponse> StorageAdmin::PruneBackups(
    const Caller& caller, const v1::PruneBackupsRequest& request) {
  if (absl::Status s = NeedBackups(caller); !s.ok()) return s;
  absl::StatusOr<std::vector<uint32_t>> deleted =
      options_.backups->Prune(request.keep());
  if (!deleted.ok()) return deleted.status();
  v1::PruneBackupsResponse out;
  for (uint32_t id : *deleted) out.add_deleted_backup_ids(id);
  for (const backup::BackupInfo& info : options_.backups->List()) {
    *out.add_kept() = ToProto(info);
  }
  ReportNewest();
  return out;
}

void StorageAdmin::ReportNewest() {
  if (options_.backups == nullptr || options_.observer == nullptr) return;
  const std::vector<backup::BackupInfo> listed = options_.backups->List();
  if (!listed.empty()) {
    options_.observer->NewestBackup(listed.back().created,
                                    listed.back().size_bytes);
  }
}

}  // namespace svledger::app
