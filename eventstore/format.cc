#include "eventstore/format.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "eventstore/stored_event.pb.h"

namespace svledger::eventstore::format {

std::string EncodeU64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

absl::StatusOr<uint64_t> DecodeU64(absl::string_view bytes) {
  if (bytes.size() != 8) {
    return absl::DataLossError(absl::StrCat(
        "expected an 8-byte integer, found ", bytes.size(), " bytes"));
  }
  uint64_t value = 0;
  for (char c : bytes) value = value << 8 | static_cast<uint8_t>(c);
  return value;
}

std::string StreamVersionKey(absl::string_view stream_id, uint64_t version) {
  return absl::StrCat(stream_id, absl::string_view("\0", 1),
                      EncodeU64(version));
}

std::string StreamLowerBound(absl::string_view stream_id) {
  return absl::StrCat(stream_id, absl::string_view("\0", 1));
}

std::string StreamUpperBound(absl::string_view stream_id) {
  return absl::StrCat(stream_id, absl::string_view("\1", 1));
}

std::string EventIdKey(absl::string_view stream_id, const Uuid& id) {
  return absl::StrCat(id.AsBytes(), stream_id);
}

std::string EncodeEvent(absl::string_view stream_id, uint64_t stream_version,
                        const ProposedEvent& event, absl::Time recorded_time) {
  svledger::storage::v1::StoredEvent stored;
  stored.set_event_id(std::string(event.id.AsBytes()));
  stored.set_type(event.type);
  stored.set_payload(event.payload);
  stored.set_actor(event.metadata.actor);
  stored.set_request_id(event.metadata.request_id);
  stored.set_correlation_id(event.metadata.correlation_id);
  stored.set_causation_id(event.metadata.causation_id);
  stored.set_request_digest(event.metadata.request_digest);
  stored.set_authenticated_by(event.metadata.authenticated_by);
  stored.set_on_behalf_of(event.metadata.on_behalf_of);
  stored.set_recorded_time_micros(absl::ToUnixMicros(recorded_time));
  stored.set_stream_id(std::string(stream_id));
  stored.set_stream_version(stream_version);
  return stored.SerializeAsString();
}

absl::StatusOr<RecordedEvent> DecodeEvent(uint64_t position,
                                          absl::string_view value) {
  svledger::storage::v1::StoredEvent stored;
  if (!stored.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
      stored.event_id().size() != 16) {
    return absl::DataLossError(
        absl::StrCat("event at position ", position, " is corrupt"));
  }
  RecordedEvent event;
  event.id = Uuid::FromBytes(stored.event_id());
  event.type = std::move(*stored.mutable_type());
  event.payload = std::move(*stored.mutable_payload());
  event.metadata.actor = std::move(*stored.mutable_actor());
  event.metadata.request_id = std::move(*stored.mutable_request_id());
  event.metadata.correlation_id = std::move(*stored.mutable_correlation_id());
  event.metadata.causation_id = std::move(*stored.mutable_causation_id());
  event.metadata.request_digest = std::move(*stored.mutable_request_digest());
  event.metadata.authenticated_by =
      std::move(*stored.mutable_authenticated_by());
  event.metadata.on_behalf_of = std::move(*stored.mutable_on_behalf_of());
  event.recorded_time = absl::FromUnixMicros(stored.recorded_time_micros());
  event.stream_id = std::move(*stored.mutable_stream_id());
  event.stream_version = stored.stream_version();
  event.position = position;
  event.chain_hash = std::move(*stored.mutable_chain_hash());
  return event;
}

bool SameContent(const RecordedEvent& stored, const ProposedEvent& proposed) {
  return stored.id == proposed.id && stored.type == proposed.type &&
         stored.payload == proposed.payload &&
         stored.metadata == proposed.metadata;
}

}  // namespace svledger::eventstore::format
