#include "services/request_guard.h"

namespace svledger::services::internal {

absl::Status CheckRequestSize(const google::protobuf::Descriptor& type,
                              size_t bytes, size_t max_bytes) {
  if (bytes <= max_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("request: ", bytes, " bytes; a ", type.full_name(),
                   " may be at most ", max_bytes));
}

absl::Status Unparsable(const google::protobuf::Descriptor& type) {
  return absl::InvalidArgumentError(
      absl::StrCat("request: not a ", type.full_name(),
                   " (its bytes are not a protocol buffers message of that "
                   "type, or none arrived)"));
}

}  // namespace svledger::services::internal
