#include "observability/backup_metrics.h"

#include "absl/strings/str_cat.h"
#include "eventstore/chain.h"
#include "observability/families.h"

namespace svledger::observability {

using prometheus::MetricType;

BackupMetrics::BackupMetrics(const eventstore::EventStore* store, Clock* clock,
                             bool backups, absl::Duration chain_head_refresh)
    : store_(store),
      clock_(clock != nullptr ? clock : Clock::Real()),
      backups_(backups),
      chain_head_refresh_(chain_head_refresh) {}

void BackupMetrics::BackupCreated(const backup::CreateReport& report,
                                  absl::Time) {
  absl::MutexLock lock(&mu_);
  ++ok_;
  last_duration_ = report.took;
  last_added_ = report.added_bytes;
}

void BackupMetrics::BackupFailed() {
  absl::MutexLock lock(&mu_);
  ++failed_;
}

void BackupMetrics::BackupVerified(bool ok, absl::Time at) {
  absl::MutexLock lock(&mu_);
  verified_at_ = at;
  verified_ok_ = ok;
  if (!ok) ++verify_failures_;
}

void BackupMetrics::NewestBackup(absl::Time created, uint64_t size_bytes) {
  absl::MutexLock lock(&mu_);
  newest_ = created;
  newest_size_ = size_bytes;
}

std::vector<prometheus::MetricFamily> BackupMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  absl::MutexLock lock(&mu_);
  if (backups_) CollectBackups(out);
  CollectChainHead(out);
  return out;
}

void BackupMetrics::CollectBackups(
    std::vector<prometheus::MetricFamily>& out) const {
  auto gauge = [&out](const char* name, const char* help, double value) {
    auto f = Family(name, help, MetricType::Gauge);
    AddValue(f, value);
    out.push_back(std::move(f));
  };
  gauge("svledger_backup_last_success_timestamp_seconds",
        "When the newest complete backup began (Unix time; 0: none).",
        absl::ToDoubleSeconds(newest_ - absl::UnixEpoch()));
  gauge("svledger_backup_size_bytes", "The newest backup's size.",
        static_cast<double>(newest_size_));
  gauge("svledger_backup_duration_seconds",
        "How long the last backup made by this server took.",
        absl::ToDoubleSeconds(last_duration_));
  gauge("svledger_backup_added_bytes",
        "What the last backup added to the backup directory.",
        static_cast<double>(last_added_));
  auto total =
      Family("svledger_backups_total", "Backups this server made, by outcome.",
             MetricType::Counter);
  AddValue(total, static_cast<double>(ok_), {{"outcome", "ok"}});
  AddValue(total, static_cast<double>(failed_), {{"outcome", "failed"}});
  out.push_back(std::move(total));
  if (verified_at_.has_value()) {
    gauge("svledger_backup_last_verify_timestamp_seconds",
          "When a backup was last verified (Unix time).",
          absl::ToDoubleSeconds(*verified_at_ - absl::UnixEpoch()));
    gauge("svledger_backup_last_verify_ok",
          "1 if the last backup verified held, 0 if it did not.",
          verified_ok_ ? 1 : 0);
  }
  auto failures =
      Family("svledger_backup_verify_failures_total",
             "Backup verifications that found a problem.", MetricType::Counter);
  AddValue(failures, static_cast<double>(verify_failures_));
  out.push_back(std::move(failures));
}

void BackupMetrics::CollectChainHead(
    std::vector<prometheus::MetricFamily>& out) const {
  const eventstore::ChainHead head = store_->DurableChainHead();
  auto position = Family("svledger_log_chain_head_position",
                         "The last durable position of the log's hash chain.",
                         MetricType::Gauge);
  AddValue(position, static_cast<double>(head.position));
  out.push_back(std::move(position));
  const absl::Time now = clock_->Now();
  if (now - shown_at_ >= chain_head_refresh_) {
    shown_head_ = head;
    shown_at_ = now;
  }
  auto info = Family("svledger_log_chain_head_info",
                     "The log's chain head (position and SHA-256), refreshed "
                     "at most every few minutes: a record to anchor against.",
                     MetricType::Gauge);
  AddValue(info, 1,
           {{"position", absl::StrCat(shown_head_.position)},
            {"sha256", eventstore::chain::Hex(shown_head_.hash)}});
  out.push_back(std::move(info));
}

}  // namespace svledger::observability
