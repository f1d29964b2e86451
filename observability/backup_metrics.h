#ifndef SVLEDGER_OBSERVABILITY_BACKUP_METRICS_H_
#define SVLEDGER_OBSERVABILITY_BACKUP_METRICS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "app/storage_admin.h"
#include "common/clock.h"
#include "eventstore/event_store.h"
#include "prometheus/collectable.h"

namespace svledger::observability {

// The backups' and the hash chain's metrics, declared in one place:
//   svledger_backup_last_success_timestamp_seconds  newest complete backup
//                                                   (0: none)
//   svledger_backup_size_bytes                      its size
//   svledger_backup_duration_seconds                the last backup's time
//   svledger_backup_added_bytes                     what it added
//   svledger_backups_total{outcome="ok"|"failed"}
//   svledger_backup_last_verify_timestamp_seconds   (once one ran)
//   svledger_backup_last_verify_ok                  1 or 0 (once one ran)
//   svledger_backup_verify_failures_total
//   svledger_log_chain_head_position
//   svledger_log_chain_head_info{position,sha256}   1
// The chain head's info series changes its labels at most every
// `chain_head_refresh` (default 10 min), so that Prometheus keeps a record
// of the chain's heads over time (an outside witness, as an anchor) without
// a new series for every append.
//
// Thread-safe. `store` and `clock` must outlive it.
class BackupMetrics final : public app::StorageObserver,
                            public prometheus::Collectable {
 public:
  // `backups`: whether the server keeps backups; without, only the chain
  // head is exported (a backup alert must not fire for a server that was
  // never meant to back up).
  BackupMetrics(const eventstore::EventStore* store, Clock* clock, bool backups,
                absl::Duration chain_head_refresh = absl::Minutes(10));

  void BackupCreated(const backup::CreateReport& report,
                     absl::Time at) override;
  void BackupFailed() override;
  void BackupVerified(bool ok, absl::Time at) override;
  void NewestBackup(absl::Time created, uint64_t size_bytes) override;

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void CollectBackups(std::vector<prometheus::MetricFamily>& out) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CollectChainHead(std::vector<prometheus::MetricFamily>& out) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const eventstore::EventStore* const store_;
  Clock* const clock_;
  const bool backups_;
  const absl::Duration chain_head_refresh_;

  mutable absl::Mutex mu_;
  absl::Time newest_ ABSL_GUARDED_BY(mu_) = absl::UnixEpoch();
  uint64_t newest_size_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration last_duration_ ABSL_GUARDED_BY(mu_);
  uint64_t last_added_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t ok_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Time> verified_at_ ABSL_GUARDED_BY(mu_);
  bool verified_ok_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t verify_failures_ ABSL_GUARDED_BY(mu_) = 0;
  // The chain head shown in the info series, and when it was taken.
  mutable eventstore::ChainHead shown_head_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time shown_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace svledger::observability

#endif  // SVLEDGER_OBSERVABILITY_BACKUP_METRICS_H_
