#ifndef SVLEDGER_CLI_CLI_COMMON_H_
#define SVLEDGER_CLI_CLI_COMMON_H_

// What svctl's commands share: flags, errors, output, deadlines.

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "svledger/v1/contract.pb.h"
#include "svledger/v1/progress.pb.h"

ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(absl::Duration, timeout);
ABSL_DECLARE_FLAG(std::string, actor);
ABSL_DECLARE_FLAG(std::string, as);
ABSL_DECLARE_FLAG(std::string, token_file);
ABSL_DECLARE_FLAG(uint64_t, from);
ABSL_DECLARE_FLAG(uint64_t, count);
ABSL_DECLARE_FLAG(uint64_t, min_position);
ABSL_DECLARE_FLAG(std::string, council);
ABSL_DECLARE_FLAG(std::string, supplier);
ABSL_DECLARE_FLAG(uint32_t, page_size);
ABSL_DECLARE_FLAG(std::string, page_token);

namespace svledger::cli {

// Whether to colour the output: a terminal, not --json, and NO_COLOR unset
// or empty (https://no-color.org).
bool Colour();
// `text` in the ANSI colour `code` (e.g. "31" red) when Colour().
std::string Coloured(const std::string& text, const char* code);
// "YYYY-MM-DD"; an instant as "YYYY-MM-DD HH:MM" (UTC).
std::string DateText(const v1::Date& d);
std::string InstantText(const v1::Instant& t);
// Whole pounds with thousands separators, "£1,234" (exact: no floating
// point between the pence and the text).
std::string Gbp(const v1::Money& m);
// An exact decimal figure with thousands separators and at most `places`
// decimals (cut towards zero): "1234567.891" -> "1,234,567.89".
std::string Figure(const std::string& decimal_text, int places = 2);
// A quantity in its unit as people read it: "12 people", "£4,500",
// "30%", "120 hours", "1,200 kWh", "3 (count)" -> "3".
std::string Quantity(const std::string& decimal_text, v1::Unit unit);
// The unit in words for a table column: "people", "£", "%", "tCO2e".
std::string UnitText(v1::Unit unit);
// A quantity as typed for a measure of `unit`, to exact decimal text:
// pounds as people write them for GBP (`£1.2m`, `250k`), a share as
// percent for PERCENT (`30%` or `30`; `0.3` without % is refused as a
// likely fraction), a plain decimal otherwise (thousands separators
// allowed). Errors: INVALID_ARGUMENT starting with `flag`.
absl::StatusOr<std::string> ParseQuantity(const std::string& text,
                                          v1::Unit unit,
                                          const std::string& flag);

// Parses `text` as a value of the enum `E` (a generated protobuf enum),
// case-insensitively, with or without its common prefix ("pending" for
// DELIVERY_PENDING), dashes for underscores. UNSPECIFIED and unknown
// values are INVALID_ARGUMENT starting with `flag` and listing the values.
absl::StatusOr<int> ParseEnumText(const google::protobuf::EnumDescriptor& e,
                                  const std::string& text,
                                  const std::string& flag);
template <typename E>
absl::StatusOr<E> ParseEnum(const std::string& text, const std::string& flag) {
  absl::StatusOr<int> v =
      ParseEnumText(*google::protobuf::GetEnumDescriptor<E>(), text, flag);
  if (!v.ok()) return v.status();
  return static_cast<E>(*v);
}

// Which flag carries which request field, for turning a server error that
// starts with a field ("delivery.quantity: ...", "reason: ...") into one
// that starts with the flag ("--quantity: ..."). Fields are matched by
// their last path component. Set once by the command that runs (svctl
// runs one command per process).
void SetFieldFlags(std::vector<std::pair<std::string, std::string>> fields);
// `message` with a leading field path replaced by its flag, if known.
std::string TranslateFieldError(const std::string& message);

// A request id derived from what the request says, so that running the
// same command again (a retry after a lost answer) is recognised by the
// server and replayed, never recorded twice: "svctl-<command>-<first 16
// hex digits of SHA-256(parts)>".
std::string RequestIdFor(const std::string& command,
                         const std::vector<std::string>& parts);
// `s` cut to `max` characters, "~" marking the cut.
std::string Short(const std::string& s, size_t max);
// "YYYY-MM-DD" (not checked as a calendar date: the server does that).
bool ParseDate(const std::string& text, v1::Date* out);
// A date flag: "YYYY-MM-DD", checked as a calendar date. Errors:
// INVALID_ARGUMENT starting with `flag`, with an example.
absl::StatusOr<v1::Date> ParseDateFlag(const std::string& text,
                                       const std::string& flag);

// The gRPC code's name, e.g. "NOT_FOUND".
std::string CodeName(grpc::StatusCode code);
// Prints the error and returns 1 (the server answered with an error).
int Fail(const grpc::Status& status);
// Prints why and returns 2 (bad usage).
int Usage(const std::string& why);
void PrintJson(const google::protobuf::Message& message);
// Sets --timeout as the call's deadline.
void SetDeadline(grpc::ClientContext& context);
// Adds the caller's credential to a call: the bearer token of --token-file,
// or of --as=PERSONA (PERSONA.jwt in --tokens-dir, where ./scripts/run's
// demo writes them), and the --actor header (which the server ignores once
// authentication is on). An unreadable token file ends svctl with status 2,
// naming the flag.
void AddCredentials(grpc::ClientContext& context);
// The channel to --server: TLS when --tls-ca (or a client certificate,
// --tls-cert and --tls-key) is given, plaintext otherwise. Exits 2 naming
// the flag of an unreadable file.
std::shared_ptr<grpc::Channel> OpenChannel();

// Parses `json` into a Request, calls `rpc` and prints the response as JSON.
template <typename Request, typename Response, typename Rpc>
int CallJson(const std::string& json, Rpc rpc) {
  Request request;
  google::protobuf::util::JsonParseOptions options;
  if (auto s =
          google::protobuf::util::JsonStringToMessage(json, &request, options);
      !s.ok()) {
    return Usage("request JSON: " + std::string(s.message()));
  }
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  Response response;
  grpc::Status status = rpc(&context, request, &response);
  if (!status.ok()) return Fail(status);
  PrintJson(response);
  return 0;
}

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_CLI_COMMON_H_
