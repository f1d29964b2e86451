#ifndef SVLEDGER_HTTP_CONNECT_H_
#define SVLEDGER_HTTP_CONNECT_H_

// The Connect protocol (https://connectrpc.com/docs/protocol), as far as
// svledger speaks it: the one place that says how a status becomes an HTTP
// response and how a streamed message is framed. doc/http_api.md is the
// prose.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace svledger::http {

// Content types. Unary calls send and receive kJson or kProto; streaming
// calls kConnectJson or kConnectProto (enveloped messages); Server-Sent
// Events answer kEventStream.
inline constexpr char kJson[] = "application/json";
inline constexpr char kProto[] = "application/proto";
inline constexpr char kConnectJson[] = "application/connect+json";
inline constexpr char kConnectProto[] = "application/connect+proto";
inline constexpr char kEventStream[] = "text/event-stream";

// The Connect code name of a status code: "invalid_argument", ... ("ok"
// for OK, "unknown" for a code outside the canonical sixteen).
absl::string_view CodeName(absl::StatusCode code);

// The HTTP status a Connect server answers an error with: 400 for
// INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE, 401
// UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ALREADY_EXISTS
// and ABORTED, 429 RESOURCE_EXHAUSTED, 499 CANCELLED, 501 UNIMPLEMENTED,
// 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, 500 for the rest.
int HttpStatusOf(absl::StatusCode code);

// The JSON body of an error: {"code":"not_found","message":"..."}.
// REQUIRES: !status.ok().
std::string ErrorJson(const absl::Status& status);

// The end-of-stream message of a streaming response: {} after success,
// {"error":{...}} otherwise.
std::string EndOfStreamJson(const absl::Status& status);

// An enveloped message: one flags byte, the length as 4 bytes big-endian,
// the message. Flag kEndOfStream marks the last.
inline constexpr uint8_t kEndOfStream = 0x02;
inline constexpr uint8_t kCompressed = 0x01;
std::string Envelope(uint8_t flags, absl::string_view message);

// The single message of a streaming request's body, or INVALID_ARGUMENT
// when the body is not exactly one uncompressed envelope.
absl::StatusOr<std::string> Unenvelope(absl::string_view body);

// Milliseconds from a Connect-Timeout-Ms header: at most 10 digits, else
// INVALID_ARGUMENT naming the header.
absl::StatusOr<int64_t> ParseTimeoutMs(absl::string_view value);

}  // namespace svledger::http

#endif  // SVLEDGER_HTTP_CONNECT_H_
