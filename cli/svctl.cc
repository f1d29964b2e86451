// svctl: the command-line client of svledger.
//
//   svctl [--server=HOST:PORT] [--as=PERSONA | --token-file=F]
//         [--tls-ca=CA.pem [--tls-cert=C.pem --tls-key=K.pem]] [--json]
//         COMMAND [ARGS]
//
// Commands:
//   health [SERVICE]                 the standard gRPC health check
//   list                             services, through server reflection
//   describe SERVICE                 a service's methods, through reflection
//   append STREAM TYPE [PAYLOAD]     --expect=any|no-stream|exists|N, --id=UUID
//   read STREAM                      --from=N --backwards --limit=N
//   read-all                         --from=N --limit=N --prefix=P --type=T
//   subscribe                        --from=N --prefix=P --type=T --count=N
//   progress, contracts, council, supplier, watch, frameworks, framework,
//   weighting, publish-library, publish-framework, projection-status,
//   rebuild-projection: see progress_commands.h
//   cases, case, action, close-case, assess, alerts: see
//   enforcement_commands.h
//   whoami, roles, grant, revoke: see access_commands.h
//   log-head, verify-log, backup create|list|verify|prune: see
//   storage_commands.h
//   call SERVICE.METHOD JSON         any ContractService, ProgressService or
//                                    FrameworkService unary RPC, request and
//                                    response as JSON, e.g.
//     svctl call ContractService.ReportDelivery '{"request_id": "r1",
//       "contract_id": "NCC-1", "delivery": {...}}'
//
// Exit status: 0 on success, 1 when the server answers with an error (the
// gRPC code and message are printed), 2 on bad usage.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/access_commands.h"
#include "cli/cli_common.h"
#include "cli/enforcement_commands.h"
#include "cli/progress_commands.h"
#include "cli/storage_commands.h"
#include "common/flag_names.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "svledger/v1/event_log.grpc.pb.h"

ABSL_FLAG(std::string, expect, "any",
          "append: expected version (any, no-stream, exists or a number)");
ABSL_FLAG(std::string, id, "", "append: event id (UUID); empty: generated");
ABSL_FLAG(bool, backwards, false, "read: newest first (from the end)");
ABSL_FLAG(uint32_t, limit, 0, "read, read-all: page size (0: server default)");
ABSL_FLAG(std::vector<std::string>, prefix, {}, "stream id prefixes");
ABSL_FLAG(std::vector<std::string>, type, {}, "event types");

namespace {

namespace v1 = svledger::v1;
using namespace svledger::cli;  // NOLINT: the shared helpers
using grpc::health::v1::Health;
using grpc::reflection::v1alpha::ServerReflection;

std::string Printable(const std::string& bytes, size_t max = 60) {
  std::string out;
  for (char c : bytes.substr(0, max)) out += (c >= 32 && c < 127) ? c : '.';
  if (bytes.size() > max) out += "...";
  return out;
}

void PrintEventHeader() {
  std::printf("%-9s %-28s %-7s %-22s %-36s %s\n", "POSITION", "STREAM",
              "VERSION", "TYPE", "EVENT ID", "PAYLOAD");
}

void PrintEvent(const v1::RecordedEvent& e) {
  std::printf(
      "%-9llu %-28s %-7llu %-22s %-36s %s\n",
      static_cast<unsigned long long>(e.position()), e.stream_id().c_str(),
      static_cast<unsigned long long>(e.stream_version()), e.type().c_str(),
      e.event_id().c_str(), Printable(e.payload()).c_str());
}

// A page of events as a table, or the whole response as JSON; then
// `summary` (tables only).
void PrintPage(
    const google::protobuf::Message& response,
    const google::protobuf::RepeatedPtrField<v1::RecordedEvent>& events,
    const std::string& summary) {
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
    return;
  }
  PrintEventHeader();
  for (const auto& e : events) PrintEvent(e);
  std::printf("(%d events; %s)\n", events.size(), summary.c_str());
}

void FillFilter(v1::EventFilter* filter) {
  for (const std::string& p : absl::GetFlag(FLAGS_prefix)) {
    filter->add_stream_prefixes(p);
  }
  for (const std::string& t : absl::GetFlag(FLAGS_type)) {
    filter->add_event_types(t);
  }
}

int CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                const std::vector<char*>& args) {
  auto stub = Health::NewStub(channel);
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  grpc::health::v1::HealthCheckRequest request;
  if (args.size() > 2) request.set_service(args[2]);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
  } else {
    std::printf("%s\n",
                grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                    response.status())
                    .c_str());
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? 0
             : 1;
}

// One request/response exchange on a reflection stream.
grpc::Status Reflect(
    const std::shared_ptr<grpc::Channel>& channel,
    const grpc::reflection::v1alpha::ServerReflectionRequest& request,
    grpc::reflection::v1alpha::ServerReflectionResponse* response) {
  auto stub = ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  auto stream = stub->ServerReflectionInfo(&context);
  if (!stream->Write(request) || !stream->Read(response)) {
    stream->WritesDone();
    return stream->Finish();
  }
  stream->WritesDone();
  return stream->Finish();
}

int List(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  grpc::Status status = Reflect(channel, request, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response.list_services_response());
    return 0;
  }
  for (const auto& service : response.list_services_response().service()) {
    std::printf("%s\n", service.name().c_str());
  }
  return 0;
}

int Describe(const std::shared_ptr<grpc::Channel>& channel,
             const std::vector<char*>& args) {
  if (args.size() < 3) return Usage("describe needs a service name");
  const std::string name = args[2];
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol(name);
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  grpc::Status status = Reflect(channel, request, &response);
  if (!status.ok()) return Fail(status);
  if (response.has_error_response()) {
    return Fail(grpc::Status(
        static_cast<grpc::StatusCode>(response.error_response().error_code()),
        response.error_response().error_message()));
  }
  for (const std::string& bytes :
       response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    if (!file.ParseFromString(bytes)) continue;
    for (const auto& service : file.service()) {
      if (file.package() + "." + service.name() != name) continue;
      if (absl::GetFlag(FLAGS_json)) {
        PrintJson(service);
        return 0;
      }
      std::printf("service %s (%s)\n", name.c_str(), file.name().c_str());
      for (const auto& m : service.method()) {
        std::printf(
            "  rpc %s(%s%s) returns (%s%s)\n", m.name().c_str(),
            m.client_streaming() ? "stream " : "", m.input_type().c_str(),
            m.server_streaming() ? "stream " : "", m.output_type().c_str());
      }
      return 0;
    }
  }
  return Fail(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "no such service: " + name));
}

int Append(v1::EventLog::Stub& stub, const std::vector<char*>& args) {
  if (args.size() < 4) return Usage("append needs STREAM TYPE [PAYLOAD]");
  v1::AppendRequest request;
  request.set_stream_id(args[2]);
  const std::string expect = absl::GetFlag(FLAGS_expect);
  uint64_t exact = 0;
  if (expect == "any") {
    request.mutable_any();
  } else if (expect == "no-stream") {
    request.mutable_no_stream();
  } else if (expect == "exists") {
    request.mutable_stream_exists();
  } else if (absl::SimpleAtoi(expect, &exact)) {
    request.set_exact(exact);
  } else {
    return Usage("--expect must be any, no-stream, exists or a version");
  }
  v1::ProposedEvent* event = request.add_events();
  event->set_event_id(absl::GetFlag(FLAGS_id));
  event->set_type(args[3]);
  if (args.size() > 4) event->set_payload(args[4]);
  event->mutable_metadata()->set_actor(absl::GetFlag(FLAGS_actor));
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::AppendResponse response;
  grpc::Status status = stub.Append(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
  } else {
    std::printf(
        "appended at position %llu (stream version %llu)\n",
        static_cast<unsigned long long>(response.last_position()),
        static_cast<unsigned long long>(response.last_stream_version()));
  }
  return 0;
}

int Read(v1::EventLog::Stub& stub, const std::vector<char*>& args) {
  if (args.size() < 3) return Usage("read needs STREAM");
  v1::ReadStreamRequest request;
  request.set_stream_id(args[2]);
  request.set_from_version(absl::GetFlag(FLAGS_from));
  request.set_limit(absl::GetFlag(FLAGS_limit));
  if (absl::GetFlag(FLAGS_backwards)) {
    request.set_direction(v1::BACKWARDS);
    request.set_from_end(absl::GetFlag(FLAGS_from) == 0);
  }
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::ReadStreamResponse response;
  grpc::Status status = stub.ReadStream(&context, request, &response);
  if (!status.ok()) return Fail(status);
  PrintPage(
      response, response.events(),
      absl::StrFormat("stream at version %d%s", response.last_stream_version(),
                      response.end_of_stream() ? "; end of stream" : ""));
  return 0;
}

int ReadAll(v1::EventLog::Stub& stub) {
  v1::ReadAllRequest request;
  request.set_from_position(absl::GetFlag(FLAGS_from));
  request.set_limit(absl::GetFlag(FLAGS_limit));
  FillFilter(request.mutable_filter());
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::ReadAllResponse response;
  grpc::Status status = stub.ReadAll(&context, request, &response);
  if (!status.ok()) return Fail(status);
  PrintPage(
      response, response.events(),
      absl::StrFormat("next position %d; head %d", response.next_position(),
                      response.head_position()));
  return 0;
}

int Subscribe(v1::EventLog::Stub& stub) {
  v1::SubscribeRequest request;
  request.set_from_position(absl::GetFlag(FLAGS_from));
  FillFilter(request.mutable_filter());
  const uint64_t count = absl::GetFlag(FLAGS_count);
  grpc::ClientContext context;
  AddCredentials(context);
  auto reader = stub.Subscribe(&context, request);
  v1::SubscribeResponse message;
  uint64_t seen = 0;
  const bool json = absl::GetFlag(FLAGS_json);
  if (!json) PrintEventHeader();
  while (reader->Read(&message)) {
    for (const auto& e : message.events()) {
      json ? PrintJson(e) : PrintEvent(e);
      if (count > 0 && ++seen >= count) {
        context.TryCancel();
        reader->Finish();
        return 0;
      }
    }
    if (message.caught_up() && !json) std::printf("-- caught up; live --\n");
    std::fflush(stdout);
  }
  grpc::Status status = reader->Finish();
  return status.ok() ? 0 : Fail(status);
}

int Call(const std::shared_ptr<grpc::Channel>& channel,
         const std::vector<char*>& args) {
  if (args.size() < 4) return Usage("call needs SERVICE.METHOD and JSON");
  const std::string method = args[2];
  const std::string json = args[3];
  auto stub = v1::ContractService::NewStub(channel);
  using v1::CommandResponse;
#define SVCTL_COMMAND(Name)                                                 \
  if (method == "ContractService." #Name) {                                 \
    return CallJson<v1::Name##Request, CommandResponse>(                    \
        json, [&](grpc::ClientContext* c, const v1::Name##Request& r,       \
                  CommandResponse* out) { return stub->Name(c, r, out); }); \
  }
  SVCTL_COMMAND(RegisterContract)
  SVCTL_COMMAND(AddCommitments)
  SVCTL_COMMAND(ReportDelivery)
  SVCTL_COMMAND(VerifyDelivery)
  SVCTL_COMMAND(RejectDelivery)
  SVCTL_COMMAND(AmendCommitment)
  SVCTL_COMMAND(WithdrawCommitment)
  SVCTL_COMMAND(CloseContract)
#undef SVCTL_COMMAND
  if (int rc = CallProgressJson(channel, method, json); rc >= 0) return rc;
  if (int rc = CallEnforcementJson(channel, method, json); rc >= 0) return rc;
  return Usage("unknown method '" + method +
               "' (try ContractService.RegisterContract)");
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "svctl [--server=HOST:PORT] [--json] "
      "health|list|describe|append|read|read-all|subscribe|call|progress|"
      "contracts|council|supplier|watch|frameworks|framework|weighting|"
      "publish-library|publish-framework|projection-status|"
      "rebuild-projection|cases|case|action|close-case|assess|alerts|"
      "whoami|roles|grant|revoke|log-head|verify-log|"
      "backup create|list|verify|prune ...");
  std::vector<std::string> normalized =
      svledger::NormalizeFlagNames(argc, argv);
  std::vector<char*> ptrs = svledger::ArgvPointers(normalized);
  std::vector<char*> args =
      absl::ParseCommandLine(static_cast<int>(ptrs.size()), ptrs.data());
  if (args.size() < 2) return Usage("missing command");
  const std::string command = args[1];

  std::shared_ptr<grpc::Channel> channel = OpenChannel();
  auto stub = v1::EventLog::NewStub(channel);
  if (command == "health") return CheckHealth(channel, args);
  if (command == "list") return List(channel);
  if (command == "describe") return Describe(channel, args);
  if (command == "append") return Append(*stub, args);
  if (command == "read") return Read(*stub, args);
  if (command == "read-all") return ReadAll(*stub);
  if (command == "subscribe") return Subscribe(*stub);
  if (command == "call") return Call(channel, args);
  if (int rc = RunProgressCommand(command, channel, args); rc >= 0) return rc;
  if (int rc = RunAccessCommand(command, channel, args); rc >= 0) return rc;
  if (int rc = RunStorageCommand(command, channel, args); rc >= 0) return rc;
  if (int rc = RunEnforcementCommand(command, channel, args); rc >= 0) {
    return rc;
  }
  return Usage("unknown command '" + command + "'");
}
