// The request guard through the real server: requests that do not parse
// are INVALID_ARGUMENT with a message naming the type (gRPC's own answer
// was UNIMPLEMENTED with an empty message); each kind of RPC has its own
// size limit (every RPC took 32 MiB); fields the server does not know are
// dropped before anything is stored, in every command.

#include "services/request_guard.h"

#include <future>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/services/dev_auth_server.h"
#include "tests/testing/temp_dir.h"

namespace svledger::services {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class RequestGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
    options.app.enforcement = false;
    auto server = server::Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = testing::ChannelTo(*server_);
  }

  // Sends `bytes` as the request of `method` ("/package.Service/Method"),
  // unary or server-streaming alike, and returns how the call ended.
  grpc::Status Raw(const std::string& method, const std::string& bytes) {
    grpc::TemplatedGenericStub<grpc::ByteBuffer, grpc::ByteBuffer> stub(
        channel_);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  // Pads `message` with an unknown field of `bytes` bytes.
  static void Pad(google::protobuf::Message* message, size_t bytes) {
    message->GetReflection()->MutableUnknownFields(message)->AddLengthDelimited(
        9999, std::string(bytes, 'x'));
  }

  svledger::testing::TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(RequestGuardTest, UnparsableRequestsAreInvalidArgumentWithAMessage) {
  const uint64_t head = server_->store().HeadPosition();
  // A field tag of 0 is never valid protocol buffers.
  const std::string garbage("\x00\x01\x02", 3);
  for (const auto& [method, type] :
       std::vector<std::pair<std::string, std::string>>{
           {"/svledger.v1.ContractService/RegisterContract",
            "svledger.v1.RegisterContractRequest"},
           {"/svledger.v1.EventLog/Append", "svledger.v1.AppendRequest"},
           {"/svledger.v1.ProgressService/GetCouncilSummary",
            "svledger.v1.GetCouncilSummaryRequest"},
           {"/svledger.v1.EventLog/Subscribe", "svledger.v1.SubscribeRequest"},
           {"/svledger.v1.AlertService/WatchAlerts",
            "svledger.v1.WatchAlertsRequest"},
       }) {
    grpc::Status s = Raw(method, garbage);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_THAT(s.error_message(), StartsWith("request: not a " + type))
        << method;
  }
  EXPECT_EQ(server_->store().HeadPosition(), head);
  // And the server goes on answering well-formed calls.
  auto admin = v1::AdminService::NewStub(channel_);
  grpc::ClientContext context;
  v1::WhoAmIResponse me;
  EXPECT_TRUE(admin->WhoAmI(&context, {}, &me).ok());
}

TEST_F(RequestGuardTest, EachKindOfRpcHasItsOwnSizeLimit) {
  // A query carries ids and filters: 100 KiB is refused before parsing.
  v1::GetContractProgressRequest query;
  query.set_contract_id("NCC-2025-7");
  Pad(&query, 100 << 10);
  grpc::Status s = Raw("/svledger.v1.ProgressService/GetContractProgress",
                       query.SerializeAsString());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("request: "));
  EXPECT_THAT(
      s.error_message(),
      HasSubstr(absl::StrCat("may be at most ", kMaxQueryRequestBytes)));

  // A command is at most 1 MiB, framework publication included.
  const uint64_t head = server_->store().HeadPosition();
  v1::PublishFrameworkRequest publish;
  Pad(&publish, 2 << 20);
  s = Raw("/svledger.v1.FrameworkService/PublishFramework",
          publish.SerializeAsString());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      s.error_message(),
      HasSubstr(absl::StrCat("may be at most ", kMaxCommandRequestBytes)));
  EXPECT_EQ(server_->store().HeadPosition(), head);

  // Append alone takes more: 3 events of 900 KiB each, 2.7 MiB in all.
  auto log = v1::EventLog::NewStub(channel_);
  v1::AppendRequest append;
  append.set_stream_id("bulk-1");
  append.mutable_any();
  for (int i = 0; i < 3; ++i) {
    v1::ProposedEvent* e = append.add_events();
    e->set_type("Bulk");
    e->set_payload(std::string(900 << 10, 'p'));
  }
  grpc::ClientContext context;
  v1::AppendResponse appended;
  s = log->Append(&context, append, &appended);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(server_->store().HeadPosition(), head + 3);
}

// Role bindings and framework publications kept unknown fields verbatim;
// every request now loses them before it reaches the application.
TEST_F(RequestGuardTest, UnknownFieldsAreNeverStored) {
  auto admin = v1::AdminService::NewStub(channel_);
  v1::GrantRoleRequest grant;
  grant.mutable_binding()->set_principal("auditor-2");
  grant.mutable_binding()->set_role(v1::ROLE_AUDITOR);
  grant.set_reason("annual audit");
  Pad(grant.mutable_binding(), 500 << 10);
  Pad(&grant, 300 << 10);
  grpc::ClientContext context;
  v1::RoleChangeResponse changed;
  grpc::Status s = admin->GrantRole(&context, grant, &changed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto roles = server_->store().ReadStream("roles", {});
  ASSERT_TRUE(roles.ok()) << roles.status();
  ASSERT_FALSE(roles->events.empty());
  EXPECT_EQ(roles->events.back().type, "RoleGranted");
  EXPECT_LT(roles->events.back().payload.size(), 1024u);
}

}  // namespace
}  // namespace svledger::services
