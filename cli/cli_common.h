#ifndef SVLEDGER_CLI_CLI_COMMON_H_
#define SVLEDGER_CLI_CLI_COMMON_H_

// What svctl's commands share: flags, errors, output, deadlines.

#include <cstdio>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/time/time.h"
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

// Whether to colour the output: a terminal, and not --json.
bool Colour();
// "YYYY-MM-DD"; an instant as "YYYY-MM-DD HH:MM" (UTC).
std::string DateText(const v1::Date& d);
std::string InstantText(const v1::Instant& t);
// Whole pounds with thousands separators, "£1,234" (exact: no floating
// point between the pence and the text).
std::string Gbp(const v1::Money& m);
// `s` cut to `max` characters, "~" marking the cut.
std::string Short(const std::string& s, size_t max);
// "YYYY-MM-DD" (not checked as a calendar date: the server does that).
bool ParseDate(const std::string& text, v1::Date* out);

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
