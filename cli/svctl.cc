// svctl: the command-line client of svledger.
//
//   svctl [--server=HOST:PORT] [--as=PERSONA | --token-file=F]
//         [--tls-ca=CA.pem [--tls-cert=C.pem --tls-key=K.pem]] [--json]
//         COMMAND [ARGS]
//
// Commands: `svctl --help` lists them, one line each, and `svctl COMMAND
// --help` shows a command's flags and a worked example; cli/help.cc holds
// that table. The daily work (register, commit, report, review, verify,
// reject, amend, withdraw, close-contract) is in task_commands.h; progress
// and frameworks in progress_commands.h; cases and alerts in
// enforcement_commands.h; roles in access_commands.h; the log's chain and
// backups in storage_commands.h; the raw log, reflection and `call` (any
// unary RPC as JSON) here. Flags are parsed by common/flags.h: spelled with
// dashes in, in help and in every error.
//
// Exit status: 0 on success, 1 when the server answers with an error (the
// gRPC code and message are printed), 2 on bad usage.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/access_commands.h"
#include "cli/cli_common.h"
#include "cli/enforcement_commands.h"
#include "cli/help.h"
#include "cli/progress_commands.h"
#include "cli/storage_commands.h"
#include "cli/table.h"
#include "cli/task_commands.h"
#include "common/flag_names.h"
#include "common/flags.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
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

// The payload in words: an event of svledger's own types (the payload is
// the message its type names, svledger.v1.<type>) as compact JSON; any
// other as its printable characters.
std::string PayloadText(const v1::RecordedEvent& e) {
  const google::protobuf::Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          "svledger.v1." + e.type());
  if (type != nullptr) {
    std::unique_ptr<google::protobuf::Message> message(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(type)
            ->New());
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    if (message->ParseFromString(e.payload()) &&
        google::protobuf::util::MessageToJsonString(*message, &json, options)
            .ok()) {
      return json;
    }
  }
  std::string out;
  for (char c : e.payload()) out += (c >= 32 && c < 127) ? c : '.';
  return out;
}

Table EventTable() {
  return Table({{"POSITION", true, true},
                {"STREAM", true},
                {"VERSION", false, true},
                {"TYPE"},
                {"RECORDED"},
                {"ACTOR"},
                {"PAYLOAD"}});
}

void AddEvent(Table& table, const v1::RecordedEvent& e) {
  table.AddRow(
      {absl::StrCat(e.position()), e.stream_id(),
       absl::StrCat(e.stream_version()), e.type(),
       absl::FormatTime("%Y-%m-%d %H:%M",
                        absl::FromUnixSeconds(e.recorded_time().seconds()),
                        absl::UTCTimeZone()),
       e.metadata().actor(), PayloadText(e)});
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
  Table table = EventTable();
  for (const auto& e : events) AddEvent(table, e);
  table.Print();
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

// A message's fields, nested messages indented below the field that holds
// them (each message once: a type met again is named, not repeated).
void PrintFields(const google::protobuf::Descriptor& message, int depth,
                 std::set<std::string>& shown) {
  shown.insert(message.full_name());
  for (int i = 0; i < message.field_count(); ++i) {
    const google::protobuf::FieldDescriptor& f = *message.field(i);
    std::string type = f.message_type() != nullptr
                           ? f.message_type()->full_name()
                       : f.enum_type() != nullptr ? f.enum_type()->full_name()
                                                  : f.type_name();
    std::string values;
    if (f.enum_type() != nullptr) {
      std::vector<std::string> names;
      for (int v = 0; v < f.enum_type()->value_count(); ++v) {
        names.push_back(f.enum_type()->value(v)->name());
      }
      values = " {" + absl::StrJoin(names, ", ") + "}";
    }
    std::printf("%*s%s%s %s = %d;%s\n", 2 * depth, "",
                f.is_repeated() ? "repeated " : "", type.c_str(),
                f.name().c_str(), f.number(), values.c_str());
    if (f.message_type() != nullptr && depth < 6 &&
        !shown.contains(f.message_type()->full_name()) &&
        !absl::StartsWith(f.message_type()->full_name(), "google.")) {
      PrintFields(*f.message_type(), depth + 1, shown);
    }
  }
}

int Describe(const std::shared_ptr<grpc::Channel>& channel,
             const std::vector<char*>& args) {
  if (args.size() < 3) {
    return Usage(
        "describe needs a service or message name, e.g. "
        "svledger.v1.ContractService or "
        "svledger.v1.ReportDeliveryRequest");
  }
  const std::string name = args[2];
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol(name);
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  grpc::Status status = Reflect(channel, request, &response);
  if (!status.ok()) return Fail(status);
  if (response.has_error_response()) {
    return Fail(grpc::Status(
        static_cast<grpc::StatusCode>(response.error_response().error_code()),
        response.error_response().error_message() +
            " (svctl list shows the services; a message is named with its "
            "package, e.g. svledger.v1.ReportDeliveryRequest)"));
  }
  // The server's own schema: its files, each after those it imports.
  std::vector<google::protobuf::FileDescriptorProto> files;
  for (const std::string& bytes :
       response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    if (file.ParseFromString(bytes)) files.push_back(std::move(file));
  }
  google::protobuf::DescriptorPool pool;
  for (bool progress = true; progress;) {
    progress = false;
    for (auto& file : files) {
      if (file.name().empty() || pool.FindFileByName(file.name()) != nullptr) {
        continue;
      }
      bool ready = true;
      for (const std::string& dep : file.dependency()) {
        ready = ready && pool.FindFileByName(dep) != nullptr;
      }
      if (ready && pool.BuildFile(file) != nullptr) progress = true;
    }
  }
  if (const google::protobuf::ServiceDescriptor* service =
          pool.FindServiceByName(name);
      service != nullptr) {
    if (absl::GetFlag(FLAGS_json)) {
      google::protobuf::ServiceDescriptorProto proto;
      service->CopyTo(&proto);
      PrintJson(proto);
      return 0;
    }
    std::printf("service %s (%s)\n", name.c_str(),
                service->file()->name().c_str());
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& m = *service->method(i);
      std::printf("  rpc %s(%s%s) returns (%s%s)\n", m.name().c_str(),
                  m.client_streaming() ? "stream " : "",
                  m.input_type()->full_name().c_str(),
                  m.server_streaming() ? "stream " : "",
                  m.output_type()->full_name().c_str());
    }
    std::printf("(svctl describe MESSAGE shows a request's fields)\n");
    return 0;
  }
  if (const google::protobuf::Descriptor* message =
          pool.FindMessageTypeByName(name);
      message != nullptr) {
    if (absl::GetFlag(FLAGS_json)) {
      google::protobuf::DescriptorProto proto;
      message->CopyTo(&proto);
      PrintJson(proto);
      return 0;
    }
    std::printf("message %s (%s)\n", name.c_str(),
                message->file()->name().c_str());
    std::set<std::string> shown;
    PrintFields(*message, 1, shown);
    return 0;
  }
  return Fail(grpc::Status(grpc::StatusCode::NOT_FOUND,
                           "no such service or message: " + name));
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
  while (reader->Read(&message)) {
    for (const auto& e : message.events()) {
      if (json) {
        PrintJson(e);
      } else {
        // Live: one line an event, as wide as it needs (no terminal fit).
        Table line = EventTable();
        AddEvent(line, e);
        line.Print(0, stdout, /*header=*/seen == 0);
      }
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
  absl::StatusOr<svledger::ParsedCommandLine> parsed =
      svledger::ParseFlags(argc, argv);
  if (!parsed.ok()) return Usage(std::string(parsed.status().message()));
  const std::vector<std::string>& positional = parsed->positional;
  if (parsed->help_full) {
    PrintOverview();
    std::printf("\nEvery flag:\n%s",
                svledger::FlagHelp(svledger::FlagsDefinedIn("/cli/")).c_str());
    return 0;
  }
  if (positional.empty()) {
    if (parsed->help) {
      PrintOverview();
      return 0;
    }
    return Usage("missing command");
  }
  const std::string command = positional[0];
  const CommandHelp* known = FindCommand(command);
  if (known == nullptr) return Usage(UnknownCommand(command));
  if (parsed->help) {
    PrintCommandHelp(*known);
    return 0;
  }
  // argv-style: the program, the command, then its arguments.
  std::vector<std::string> owned = {"svctl"};
  owned.insert(owned.end(), positional.begin(), positional.end());
  std::vector<char*> args = svledger::ArgvPointers(owned);

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
  if (int rc = RunTaskCommand(command, channel, args); rc >= 0) return rc;
  if (int rc = RunProgressCommand(command, channel, args); rc >= 0) return rc;
  if (int rc = RunAccessCommand(command, channel, args); rc >= 0) return rc;
  if (int rc = RunStorageCommand(command, channel, args); rc >= 0) return rc;
  if (int rc = RunEnforcementCommand(command, channel, args); rc >= 0) {
    return rc;
  }
  return Usage(UnknownCommand(command));
}
