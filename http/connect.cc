#include "http/connect.h"

#include <string>

#include "absl/algorithm/container.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace svledger::http {
namespace {

// JSON string contents of `text`: quotes, backslashes and control
// characters escaped; everything else (UTF-8 included) as it is.
std::string JsonEscaped(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace

absl::string_view CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "ok";
    case absl::StatusCode::kCancelled:
      return "canceled";
    case absl::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kAlreadyExists:
      return "already_exists";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case absl::StatusCode::kAborted:
      return "aborted";
    case absl::StatusCode::kOutOfRange:
      return "out_of_range";
    case absl::StatusCode::kUnimplemented:
      return "unimplemented";
    case absl::StatusCode::kInternal:
      return "internal";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    case absl::StatusCode::kDataLoss:
      return "data_loss";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    default:
      return 500;
  }
}

std::string ErrorJson(const absl::Status& status) {
  return absl::StrCat("{\"code\":\"", CodeName(status.code()),
                      "\",\"message\":\"", JsonEscaped(status.message()),
                      "\"}");
}

std::string EndOfStreamJson(const absl::Status& status) {
  if (status.ok()) return "{}";
  return absl::StrCat("{\"error\":", ErrorJson(status), "}");
}

std::string Envelope(uint8_t flags, absl::string_view message) {
  std::string out;
  out.reserve(5 + message.size());
  const uint32_t n = static_cast<uint32_t>(message.size());
  out += static_cast<char>(flags);
  out += static_cast<char>((n >> 24) & 0xff);
  out += static_cast<char>((n >> 16) & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  out += static_cast<char>(n & 0xff);
  out.append(message.data(), message.size());
  return out;
}

absl::StatusOr<std::string> Unenvelope(absl::string_view body) {
  if (body.size() < 5) {
    return absl::InvalidArgumentError(
        "body: a streaming request is one enveloped message (5-byte prefix, "
        "then the message)");
  }
  const auto byte = [&](int i) { return static_cast<uint8_t>(body[i]); };
  if (byte(0) & kCompressed) {
    return absl::InvalidArgumentError(
        "body: compressed messages are not accepted (no Connect-Content-"
        "Encoding is supported)");
  }
  const uint32_t n = (uint32_t{byte(1)} << 24) | (uint32_t{byte(2)} << 16) |
                     (uint32_t{byte(3)} << 8) | uint32_t{byte(4)};
  if (body.size() - 5 != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body: the envelope says ", n, " bytes but ", body.size() - 5,
        " follow; a streaming request carries exactly one message"));
  }
  return std::string(body.substr(5));
}

absl::StatusOr<int64_t> ParseTimeoutMs(absl::string_view value) {
  int64_t ms = 0;
  if (value.empty() || value.size() > 10 ||
      !absl::c_all_of(value, absl::ascii_isdigit) ||
      !absl::SimpleAtoi(value, &ms)) {
    return absl::InvalidArgumentError(
        "Connect-Timeout-Ms: must be a positive integer of at most 10 digits");
  }
  return ms;
}

}  // namespace svledger::http
