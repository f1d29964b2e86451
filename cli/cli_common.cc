#include "cli/cli_common.h"

#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

ABSL_FLAG(bool, json, false, "print responses as JSON");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "deadline of each unary call");
ABSL_FLAG(std::string, actor, "svctl",
          "append: metadata.actor; call: sent as the caller's name until "
          "authentication lands");

namespace svledger::cli {

std::string CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : absl::StrFormat("code %d", i);
}

int Fail(const grpc::Status& status) {
  std::fprintf(stderr, "error: %s: %s\n", CodeName(status.error_code()).c_str(),
               status.error_message().c_str());
  return 1;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "svctl: %s (see svctl --help)\n", why.c_str());
  return 2;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (google::protobuf::util::MessageToJsonString(message, &out, options)
          .ok()) {
    std::cout << out << "\n";
  }
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
}

}  // namespace svledger::cli
