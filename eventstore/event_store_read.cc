// The read path of the event log. Reads run on the caller's thread, each on
// one RocksDB snapshot, concurrently with the writer.

#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "eventstore/event_store.h"
#include "eventstore/format.h"
#include "eventstore/rocks.h"

namespace svledger::eventstore {
namespace {

absl::StatusOr<RecordedEvent> GetEvent(const RocksHandles& h,
                                       const rocksdb::ReadOptions& ro,
                                       uint64_t position) {
  std::string value;
  rocksdb::Status s =
      h.db->Get(ro, h.events, format::EncodeU64(position), &value);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("index names position ", position,
                                            " but no event is there"));
  }
  if (!s.ok()) return FromRocks(s, "reading an event");
  return format::DecodeEvent(position, value);
}

// The stream's last version among events at positions <= `head`, or
// nullopt. Events beyond the durable head are written but not yet synced;
// there are only as many as the pipeline holds, so the walk back is short.
absl::StatusOr<std::optional<uint64_t>> LastVersionAsOf(
    const RocksHandles& h, const rocksdb::ReadOptions& ro,
    absl::string_view stream_id, uint64_t head) {
  const std::string lower = format::StreamLowerBound(stream_id);
  const std::string upper = format::StreamUpperBound(stream_id);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions bounded = ro;
  bounded.iterate_lower_bound = &lower_slice;
  bounded.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      h.db->NewIterator(bounded, h.stream_index));
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    absl::StatusOr<uint64_t> position = format::DecodeU64(View(it->value()));
    if (!position.ok()) return position.status();
    if (*position > head) continue;
    const absl::string_view key = View(it->key());
    absl::StatusOr<uint64_t> version =
        format::DecodeU64(key.substr(key.size() - 8));
    if (!version.ok()) return version.status();
    return *version;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading a stream");
  return std::nullopt;
}

absl::Status Closed() {
  return absl::UnavailableError("event store is closed");
}

absl::Status Reopening() {
  return absl::UnavailableError(
      "event store is reopening its database after a storage error; retry");
}

}  // namespace

absl::StatusOr<RecordedEvent> EventStore::ReadEventAt(uint64_t position) const {
  return GetEvent(*db_, rocksdb::ReadOptions(), position);
}

absl::StatusOr<std::optional<uint64_t>> EventStore::WrittenLastVersion(
    absl::string_view stream_id) {
  if (auto it = written_heads_.find(stream_id); it != written_heads_.end()) {
    return it->second;
  }
  absl::StatusOr<std::optional<uint64_t>> last =
      LastVersionAsOf(*db_, rocksdb::ReadOptions(), stream_id,
                      std::numeric_limits<uint64_t>::max());
  if (last.ok() && last->has_value()) RememberHead(stream_id, **last);
  return last;
}

void EventStore::RememberHead(absl::string_view stream_id, uint64_t version) {
  // Bounded: when full, start again; a miss costs one seek.
  if (written_heads_.size() >= kMaxRememberedHeads &&
      !written_heads_.contains(stream_id)) {
    written_heads_.clear();
  }
  written_heads_[stream_id] = version;
}

absl::StatusOr<std::optional<uint64_t>> EventStore::StreamLastVersion(
    absl::string_view stream_id) const {
  absl::ReaderMutexLock open(&db_mu_);
  if (db_closed_) return Closed();
  if (db_ == nullptr) return Reopening();
  const uint64_t head = watcher_->head();
  ScopedSnapshot snapshot(db_->db.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  return LastVersionAsOf(*db_, ro, stream_id, head);
}

absl::StatusOr<std::optional<RecordedEvent>> EventStore::FindEvent(
    absl::string_view stream_id, const Uuid& id) const {
  absl::ReaderMutexLock open(&db_mu_);
  if (db_closed_) return Closed();
  if (db_ == nullptr) return Reopening();
  const uint64_t durable_head = watcher_->head();
  std::string value;
  rocksdb::Status s = db_->db->Get(rocksdb::ReadOptions(), db_->event_ids,
                                   format::EventIdKey(stream_id, id), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "looking up an event id");
  absl::StatusOr<uint64_t> position = format::DecodeU64(value);
  if (!position.ok()) return position.status();
  if (*position > durable_head) return std::nullopt;  // not yet durable
  absl::StatusOr<RecordedEvent> event =
      GetEvent(*db_, rocksdb::ReadOptions(), *position);
  if (!event.ok()) return event.status();
  return *std::move(event);
}

absl::StatusOr<StreamSlice> EventStore::ReadStream(
    absl::string_view stream_id, const ReadStreamOptions& options) const {
  const Limits& limits = options_.limits;
  if (absl::Status s = ValidateStreamId(stream_id, limits); !s.ok()) return s;
  absl::StatusOr<uint32_t> limit = ResolveReadLimit(options.limit, limits);
  if (!limit.ok()) return limit.status();

  absl::ReaderMutexLock open(&db_mu_);
  if (db_closed_) return Closed();
  if (db_ == nullptr) return Reopening();
  // Only what is durable: versions up to the durable head.
  const uint64_t durable_head = watcher_->head();
  ScopedSnapshot snapshot(db_->db.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  absl::StatusOr<std::optional<uint64_t>> last =
      LastVersionAsOf(*db_, ro, stream_id, durable_head);
  if (!last.ok()) return last.status();
  if (!last->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("stream_id: stream '", stream_id, "' has no events"));
  }
  const uint64_t last_version = **last;

  StreamSlice slice;
  slice.last_stream_version = last_version;
  const bool forwards = options.direction == Direction::kForwards;
  uint64_t version = forwards ? options.from_version
                     : options.from_end
                         ? last_version
                         : std::min(options.from_version, last_version);
  if (forwards && version > last_version) {
    slice.end_of_stream = true;
    return slice;
  }

  size_t bytes = 0;
  while (slice.events.size() < *limit && bytes < limits.max_read_bytes) {
    std::string position_value;
    rocksdb::Status s = db_->db->Get(
        ro, db_->stream_index, format::StreamVersionKey(stream_id, version),
        &position_value);
    if (!s.ok()) {
      return FromRocks(s, absl::StrCat("reading version ", version,
                                       " of stream '", stream_id, "'"));
    }
    absl::StatusOr<uint64_t> position = format::DecodeU64(position_value);
    if (!position.ok()) return position.status();
    absl::StatusOr<RecordedEvent> event = GetEvent(*db_, ro, *position);
    if (!event.ok()) return event.status();
    const size_t n = ReadBytes(*event);
    if (!slice.events.empty() && bytes + n > limits.max_read_bytes) break;
    bytes += n;
    slice.events.push_back(*std::move(event));
    if (forwards ? version == last_version : version == 0) {
      slice.end_of_stream = true;
      break;
    }
    version = forwards ? version + 1 : version - 1;
  }
  return slice;
}

absl::StatusOr<AllSlice> EventStore::ReadAll(
    uint64_t from_position, const ReadAllOptions& options) const {
  const Limits& limits = options_.limits;
  absl::StatusOr<uint32_t> limit = ResolveReadLimit(options.limit, limits);
  if (!limit.ok()) return limit.status();
  if (absl::Status s = ValidateFilter(options.filter, limits); !s.ok()) {
    return s;
  }

  absl::ReaderMutexLock open(&db_mu_);
  if (db_closed_) return Closed();
  if (db_ == nullptr) return Reopening();
  AllSlice slice;
  // Only what is durable: the head is published after the synced write.
  slice.head_position = watcher_->head();
  slice.next_position = std::max<uint64_t>(from_position, 1);
  if (slice.next_position > slice.head_position) return slice;

  const std::string upper = format::EncodeU64(slice.head_position + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(ro, db_->events));

  const size_t max_bytes =
      options.max_bytes == 0
          ? limits.max_read_bytes
          : std::min(options.max_bytes, limits.max_read_bytes);
  size_t bytes = 0;
  uint32_t scanned = 0;
  for (it->Seek(format::EncodeU64(slice.next_position));
       it->Valid() && slice.events.size() < *limit && bytes < max_bytes &&
       scanned < limits.max_scan_per_read;
       it->Next(), ++scanned) {
    absl::StatusOr<uint64_t> position = format::DecodeU64(View(it->key()));
    if (!position.ok()) return position.status();
    if (*position != slice.next_position) {
      return absl::DataLossError(
          absl::StrCat("log has a gap: expected position ", slice.next_position,
                       ", found ", *position));
    }
    absl::StatusOr<RecordedEvent> event =
        format::DecodeEvent(*position, View(it->value()));
    if (!event.ok()) return event.status();
    if (options.filter.Matches(*event)) {
      const size_t n = ReadBytes(*event);
      // Left for the next page, which starts at it.
      if (!slice.events.empty() && bytes + n > max_bytes) break;
      bytes += n;
      slice.events.push_back(*std::move(event));
    }
    slice.next_position = *position + 1;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  return slice;
}

}  // namespace svledger::eventstore
