#include "eventstore/rocks.h"

#include <cstring>

#include "absl/strings/str_cat.h"

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

absl::Status FromRocks(const rocksdb::Status& status,
                       absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ", status.ToString());
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
