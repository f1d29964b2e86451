#include "eventstore/limits.h"

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"

namespace svledger::eventstore {
namespace {

absl::Status ValidateName(absl::string_view value, size_t max_bytes,
                          absl::string_view field) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", value.size(), " bytes exceeds the limit of ", max_bytes));
  }
  if (int i = FirstNonNameChar(value); i >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": character at offset ", i, " is not one of [A-Za-z0-9._:-]"));
  }
  return absl::OkStatus();
}

absl::Status ValidateMetadataField(absl::string_view value, size_t max_bytes,
                                   absl::string_view field) {
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", value.size(), " bytes exceeds the limit of ", max_bytes));
  }
  return absl::OkStatus();
}

}  // namespace

bool ExpectedVersion::IsSatisfiedBy(std::optional<uint64_t> last) const {
  switch (kind_) {
    case Kind::kAny:
      return true;
    case Kind::kNoStream:
      return !last.has_value();
    case Kind::kStreamExists:
      return last.has_value();
    case Kind::kExact:
      return last.has_value() && *last == version_;
  }
  return false;
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no stream";
    case Kind::kStreamExists:
      return "stream exists";
    case Kind::kExact:
      return absl::StrCat(version_);
  }
  return "?";
}

bool EventFilter::Matches(const RecordedEvent& event) const {
  if (!stream_prefixes.empty()) {
    bool any = false;
    for (const std::string& prefix : stream_prefixes) {
      if (absl::string_view(event.stream_id).substr(0, prefix.size()) ==
          prefix) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if (!event_types.empty()) {
    for (const std::string& type : event_types) {
      if (event.type == type) return true;
    }
    return false;
  }
  return true;
}

absl::Status ValidateStreamId(absl::string_view stream_id, const Limits& limits,
                              absl::string_view field) {
  return ValidateName(stream_id, limits.max_stream_id_bytes, field);
}

absl::Status ValidateEventType(absl::string_view type, const Limits& limits,
                               absl::string_view field) {
  return ValidateName(type, limits.max_event_type_bytes, field);
}

size_t ReadBytes(const RecordedEvent& e) {
  const EventMetadata& m = e.metadata;
  return 128 + e.type.size() + e.payload.size() + e.stream_id.size() +
         m.actor.size() + m.request_id.size() + m.correlation_id.size() +
         m.causation_id.size() + m.request_digest.size() +
         m.authenticated_by.size() + m.on_behalf_of.size();
}

size_t AppendBytes(const std::vector<ProposedEvent>& events) {
  size_t total = 0;
  for (const ProposedEvent& e : events) {
    total += 16 + e.type.size() + e.payload.size() + e.metadata.actor.size() +
             e.metadata.request_id.size() + e.metadata.correlation_id.size() +
             e.metadata.causation_id.size() + e.metadata.request_digest.size();
  }
  return total;
}

absl::StatusOr<size_t> ValidateAppend(absl::string_view stream_id,
                                      const std::vector<ProposedEvent>& events,
                                      const Limits& limits) {
  if (absl::Status s = ValidateStreamId(stream_id, limits); !s.ok()) return s;
  if (events.empty()) {
    return absl::InvalidArgumentError("events: at least one event required");
  }
  if (events.size() > limits.max_events_per_append) {
    return absl::InvalidArgumentError(
        absl::StrCat("events: ", events.size(), " events exceeds the limit of ",
                     limits.max_events_per_append, " per append"));
  }
  const size_t bytes = AppendBytes(events);
  if (bytes > limits.max_append_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("events: append of ", bytes,
                     " bytes exceeds the limit of ", limits.max_append_bytes));
  }
  absl::flat_hash_set<absl::string_view> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    const ProposedEvent& e = events[i];
    const std::string prefix = absl::StrCat("events[", i, "].");
    if (e.id.IsNil()) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "event_id: the nil UUID is not an event id"));
    }
    if (!ids.insert(e.id.AsBytes()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "event_id: ", e.id.ToString(),
                       " appears twice in one append"));
    }
    if (absl::Status s =
            ValidateEventType(e.type, limits, absl::StrCat(prefix, "type"));
        !s.ok()) {
      return s;
    }
    if (e.payload.size() > limits.max_payload_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, "payload: ", e.payload.size(), " bytes exceeds the limit of ",
          limits.max_payload_bytes));
    }
    const size_t m = limits.max_metadata_field_bytes;
    for (const auto& [name, value] :
         {std::pair{"actor", &e.metadata.actor},
          std::pair{"request_id", &e.metadata.request_id},
          std::pair{"correlation_id", &e.metadata.correlation_id},
          std::pair{"causation_id", &e.metadata.causation_id},
          std::pair{"request_digest", &e.metadata.request_digest}}) {
      if (absl::Status s = ValidateMetadataField(
              *value, m, absl::StrCat(prefix, "metadata.", name));
          !s.ok()) {
        return s;
      }
    }
  }
  return bytes;
}

absl::Status ValidateFilter(const EventFilter& filter, const Limits& limits) {
  if (filter.stream_prefixes.size() > limits.max_filter_prefixes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter.stream_prefixes: ", filter.stream_prefixes.size(),
        " prefixes exceeds the limit of ", limits.max_filter_prefixes));
  }
  if (filter.event_types.size() > limits.max_filter_types) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.event_types: ", filter.event_types.size(),
                     " types exceeds the limit of ", limits.max_filter_types));
  }
  for (size_t i = 0; i < filter.stream_prefixes.size(); ++i) {
    if (absl::Status s =
            ValidateStreamId(filter.stream_prefixes[i], limits,
                             absl::StrCat("filter.stream_prefixes[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < filter.event_types.size(); ++i) {
    if (absl::Status s =
            ValidateEventType(filter.event_types[i], limits,
                              absl::StrCat("filter.event_types[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> ResolveReadLimit(uint32_t requested,
                                          const Limits& limits,
                                          absl::string_view field) {
  if (requested == 0) return limits.default_read_limit;
  if (requested > limits.max_read_limit) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", requested,
                                                   " exceeds the limit of ",
                                                   limits.max_read_limit));
  }
  return requested;
}

}  // namespace svledger::eventstore
