#include "eventstore/rocks.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eventstore/format.h"

namespace svledger::eventstore {

namespace {

class StreamPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "svledger.StreamPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* sep = memchr(key.data(), '\0', key.size());
    const size_t n = static_cast<const char*>(sep) - key.data() + 1;
    return rocksdb::Slice(key.data(), n);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> NewStreamPrefixTransform() {
  return std::make_shared<StreamPrefixTransform>();
}

namespace {

class StderrRocksLogger final : public rocksdb::Logger {
 public:
  explicit StderrRocksLogger(std::string name)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL),
        name_(std::move(name)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "rocksdb (%s): %s\n", name_.c_str(), line);
  }

 private:
  const std::string name_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> StderrLogger(std::string name) {
  return std::make_shared<StderrRocksLogger>(std::move(name));
}

absl::Status FromRocks(const rocksdb::Status& status,
                       absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ", status.ToString());
  if (status.IsNoSpace()) return absl::ResourceExhaustedError(message);
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kTimedOut:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<RocksHandles>> OpenLogReadOnly(
    const std::string& path) {
  rocksdb::DBOptions db_options;
  db_options.info_log = StderrLogger("event log, read-only");
  db_options.max_open_files = 256;
  // As strict as the server's own open (event_store.cc): a damaged WAL
  // record anywhere but at the very end is an error, not the log's end.
  db_options.wal_recovery_mode =
      rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, {}},
      {format::kEventsCf, {}},
      {format::kStreamIndexCf, {}},
      {format::kEventIdsCf, {}},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(db_options, path, cfs, &handles, &raw);
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("opening the event log in ", path));
  }
  std::unique_ptr<RocksHandles> h = RocksHandles::Adopt(raw, handles);
  h->read_only = true;
  return h;
}

std::unique_ptr<RocksHandles> RocksHandles::Adopt(
    rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs) {
  auto h = std::make_unique<RocksHandles>();
  h->db.reset(db);
  h->meta = cfs[0];
  h->events = cfs[1];
  h->stream_index = cfs[2];
  h->event_ids = cfs[3];
  return h;
}

absl::Status RocksHandles::Close() {
  if (db == nullptr) return absl::OkStatus();
  absl::Status result = absl::OkStatus();
  for (rocksdb::ColumnFamilyHandle** handle :
       {&meta, &events, &stream_index, &event_ids}) {
    if (*handle == nullptr) continue;
    absl::Status s = FromRocks(db->DestroyColumnFamilyHandle(*handle),
                               "closing column family");
    if (!s.ok() && result.ok()) result = s;
    *handle = nullptr;
  }
  absl::Status s = FromRocks(db->Close(), "closing database");
  if (!s.ok() && result.ok()) result = s;
  db.reset();
  meta = nullptr;
  return result;
}

}  // namespace svledger::eventstore
