#include "services/event_convert.h"

#include "absl/strings/str_cat.h"

namespace svledger::services {

absl::StatusOr<std::vector<eventstore::ProposedEvent>> ProposedEventsFromProto(
    const google::protobuf::RepeatedPtrField<v1::ProposedEvent>& events,
    RandomSource& random) {
  std::vector<eventstore::ProposedEvent> out;
  out.reserve(events.size());
  for (int i = 0; i < events.size(); ++i) {
    const v1::ProposedEvent& in = events[i];
    eventstore::ProposedEvent e;
    if (in.event_id().empty()) {
      e.id = Uuid::Random(random);
    } else {
      absl::StatusOr<Uuid> id = Uuid::Parse(in.event_id());
      if (!id.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("events[", i, "].event_id: ", id.status().message()));
      }
      e.id = *id;
    }
    e.type = in.type();
    e.payload = in.payload();
    e.metadata.actor = in.metadata().actor();
    e.metadata.request_id = in.metadata().request_id();
    e.metadata.correlation_id = in.metadata().correlation_id();
    e.metadata.causation_id = in.metadata().causation_id();
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<eventstore::ExpectedVersion> ExpectedVersionFromProto(
    const v1::AppendRequest& request) {
  using eventstore::ExpectedVersion;
  switch (request.expected_version_case()) {
    case v1::AppendRequest::kAny:
      return ExpectedVersion::Any();
    case v1::AppendRequest::kNoStream:
      return ExpectedVersion::NoStream();
    case v1::AppendRequest::kStreamExists:
      return ExpectedVersion::StreamExists();
    case v1::AppendRequest::kExact:
      return ExpectedVersion::Exact(request.exact());
    case v1::AppendRequest::EXPECTED_VERSION_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "expected_version: required (any, no_stream, stream_exists or exact)");
}

eventstore::EventFilter FilterFromProto(const v1::EventFilter& filter) {
  eventstore::EventFilter out;
  out.stream_prefixes.assign(filter.stream_prefixes().begin(),
                             filter.stream_prefixes().end());
  out.event_types.assign(filter.event_types().begin(),
                         filter.event_types().end());
  return out;
}

void RecordedEventToProto(const eventstore::RecordedEvent& event,
                          v1::RecordedEvent* out) {
  out->set_event_id(event.id.ToString());
  out->set_type(event.type);
  out->set_payload(event.payload);
  v1::EventMetadata* m = out->mutable_metadata();
  m->set_actor(event.metadata.actor);
  m->set_request_id(event.metadata.request_id);
  m->set_correlation_id(event.metadata.correlation_id);
  m->set_causation_id(event.metadata.causation_id);
  m->set_authenticated_by(event.metadata.authenticated_by);
  m->set_on_behalf_of(event.metadata.on_behalf_of);
  const int64_t micros = absl::ToUnixMicros(event.recorded_time);
  out->mutable_recorded_time()->set_seconds(
      micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000);
  out->mutable_recorded_time()->set_nanos(
      static_cast<int32_t>((micros % 1000000 + 1000000) % 1000000 * 1000));
  out->set_stream_id(event.stream_id);
  out->set_stream_version(event.stream_version);
  out->set_position(event.position);
}

}  // namespace svledger::services
