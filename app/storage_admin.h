#ifndef SVLEDGER_APP_STORAGE_ADMIN_H_
#define SVLEDGER_APP_STORAGE_ADMIN_H_

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/caller.h"
#include "backup/backup_set.h"
#include "common/clock.h"
#include "eventstore/event_store.h"
#include "projections/projection_db.h"
#include "svledger/v1/admin_service.pb.h"

namespace svledger::app {

// Told what backups and chain checks did, for metrics
// (observability/backup_metrics.h). Called on the thread that did the work;
// must not block.
class StorageObserver {
 public:
  virtual ~StorageObserver() = default;
  virtual void BackupCreated(const backup::CreateReport& report,
                             absl::Time at) = 0;
  virtual void BackupFailed() = 0;
  virtual void BackupVerified(bool ok, absl::Time at) = 0;
  // The newest complete backup (after a start, a create or a prune).
  virtual void NewestBackup(absl::Time created, uint64_t size_bytes) = 0;
};

struct StorageAdminOptions {
  // Required; must outlive the StorageAdmin.
  const eventstore::EventStore* store = nullptr;
  projections::ProjectionDb* projections = nullptr;
  // The server's data directory (its other files join each backup).
  std::string data_dir;
  // The backups; null when the server has no --backup-dir (the backup
  // operations then fail FAILED_PRECONDITION).
  backup::BackupSet* backups = nullptr;
  Clock* clock = nullptr;               // default: the real one
  StorageObserver* observer = nullptr;  // default: none
};

// The log's hash chain and the server's backups, for operators and
// auditors. Every method checks the caller first: PERMISSION_DENIED as the
// access policy says (kReadLogHead: every role, so that councils and
// suppliers alike can keep heads; kVerifyLog: admins and auditors;
// kOperateBackups: admins). Then:
//   FAILED_PRECONDITION  a backup operation without a backup directory;
//   ABORTED              another backup operation (or, for VerifyLog,
//                        another chain check) is running;
//   INVALID_ARGUMENT     naming the field (an anchor, keep);
//   NOT_FOUND            an unknown backup id;
//   and the storage errors of backup::BackupSet and EventStore.
// Create, Verify and VerifyLog read everything and take seconds to minutes:
// call them off the gRPC threads.
//
// Thread-safe. Everything in the options must outlive it.
class StorageAdmin {
 public:
  explicit StorageAdmin(StorageAdminOptions options);

  absl::StatusOr<v1::LogHead> Head(const Caller& caller) const;
  absl::StatusOr<v1::VerifyLogResponse> VerifyLog(
      const Caller& caller, const v1::VerifyLogRequest& request) const;

  absl::StatusOr<v1::CreateBackupResponse> CreateBackup(const Caller& caller);
  absl::StatusOr<v1::ListBackupsResponse> ListBackups(const Caller& caller);
  absl::StatusOr<v1::VerifyBackupResponse> VerifyBackup(
      const Caller& caller, const v1::VerifyBackupRequest& request);
  absl::StatusOr<v1::PruneBackupsResponse> PruneBackups(
      const Caller& caller, const v1::PruneBackupsRequest& request);

  // Tells the observer of the newest backup already in the directory (at
  // start).
  void ReportNewest();

  // The most anchors one VerifyLog takes.
  static constexpr int kMaxAnchors = 100;

 private:
  absl::Status NeedBackups(const Caller& caller) const;

  const StorageAdminOptions options_;
  Clock* const clock_;
  mutable std::atomic<bool> verifying_{false};  // a VerifyLog runs
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_STORAGE_ADMIN_H_
