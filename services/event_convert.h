#ifndef SVLEDGER_SERVICES_EVENT_CONVERT_H_
#define SVLEDGER_SERVICES_EVENT_CONVERT_H_

// Conversions between the API's protobuf messages and the event log's plain
// types. Errors are INVALID_ARGUMENT naming the request field.

#include <vector>

#include "absl/status/statusor.h"
#include "common/random.h"
#include "eventstore/event.h"
#include "svledger/v1/event_log.pb.h"

namespace svledger::services {

// The events of an append; an empty event_id gets a random UUID from
// `random`.
absl::StatusOr<std::vector<eventstore::ProposedEvent>> ProposedEventsFromProto(
    const google::protobuf::RepeatedPtrField<v1::ProposedEvent>& events,
    RandomSource& random);

absl::StatusOr<eventstore::ExpectedVersion> ExpectedVersionFromProto(
    const v1::AppendRequest& request);

eventstore::EventFilter FilterFromProto(const v1::EventFilter& filter);

void RecordedEventToProto(const eventstore::RecordedEvent& event,
                          v1::RecordedEvent* out);

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_EVENT_CONVERT_H_
