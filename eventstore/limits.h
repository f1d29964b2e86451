#ifndef SVLEDGER_EVENTSTORE_LIMITS_H_
#define SVLEDGER_EVENTSTORE_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/event.h"

namespace svledger::eventstore {

// Bounds on everything a client controls. The store enforces them; the gRPC
// edge only maps the errors.
struct Limits {
  // Stream ids: 1 to this many bytes of [A-Za-z0-9._:-]. Default 128.
  size_t max_stream_id_bytes = 128;
  // Event types: 1 to this many bytes of [A-Za-z0-9._:-]. Default 256.
  size_t max_event_type_bytes = 256;
  // Each metadata field. Default 256.
  size_t max_metadata_field_bytes = 256;
  // One event's payload. Default 1 MiB.
  size_t max_payload_bytes = 1 << 20;
  // One append: events. Default 1,000.
  size_t max_events_per_append = 1000;
  // One append: payloads, types and metadata together. Default 16 MiB.
  size_t max_append_bytes = 16 << 20;
  // Reads: the default and the largest page of events. Defaults 100, 1,000.
  uint32_t default_read_limit = 100;
  uint32_t max_read_limit = 1000;
  // A read stops before the event that would take it past this many bytes
  // (ReadBytes; the first event is always returned). Default 3 MiB: with
  // the largest event (a 1 MiB payload and full metadata) a page stays
  // well inside a gRPC client's default 4 MiB message limit.
  size_t max_read_bytes = 3 << 20;
  // ReadAll with a filter examines at most this many events per call.
  // Default 10,000.
  uint32_t max_scan_per_read = 10000;
  // Filters: prefixes and types. Defaults 16 and 64.
  size_t max_filter_prefixes = 16;
  size_t max_filter_types = 64;
};

// Each returns OK or INVALID_ARGUMENT with a message that starts with the
// name of the offending field, as given by `field`.
absl::Status ValidateStreamId(absl::string_view stream_id, const Limits& limits,
                              absl::string_view field = "stream_id");
absl::Status ValidateEventType(absl::string_view type, const Limits& limits,
                               absl::string_view field);
// ValidateAppend returns, when valid, the bytes the append occupies.
absl::StatusOr<size_t> ValidateAppend(absl::string_view stream_id,
                                      const std::vector<ProposedEvent>& events,
                                      const Limits& limits);
absl::Status ValidateFilter(const EventFilter& filter, const Limits& limits);

// Resolves a requested page size: 0 means the default; above the maximum is
// an error naming `field`.
absl::StatusOr<uint32_t> ResolveReadLimit(uint32_t requested,
                                          const Limits& limits,
                                          absl::string_view field = "limit");

// The bytes an event of a read occupies for the purpose of max_read_bytes:
// everything a response carries of it, with an allowance for framing
// (ids, numbers, field tags).
size_t ReadBytes(const RecordedEvent& event);

// The bytes an append occupies for the purpose of max_append_bytes.
size_t AppendBytes(const std::vector<ProposedEvent>& events);

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_LIMITS_H_
