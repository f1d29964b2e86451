// In-process gRPC tests of every EventLog RPC and its error codes, against
// the real server composition on port 0 and a temporary data directory.

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::services {
namespace {

using server::Server;
using server::ServerOptions;

using svledger::testing::TempDir;
using svledger::testing::WaitUntil;

constexpr char kId1[] = "11111111-1111-4111-8111-111111111111";
constexpr char kId2[] = "22222222-2222-4222-8222-222222222222";

class EventLogServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.clock = &clock_;
    options.random = &random_;
    options.grpc.shutdown_grace = absl::Seconds(5);
    auto server = Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    channel_ = grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(server_->port()),
        grpc::InsecureChannelCredentials(), args);
    stub_ = v1::EventLog::NewStub(channel_);
  }

  static v1::AppendRequest Request(const std::string& stream,
                                   std::vector<std::string> ids,
                                   const std::string& type = "Tested") {
    v1::AppendRequest request;
    request.set_stream_id(stream);
    request.mutable_any();
    for (const std::string& id : ids) {
      v1::ProposedEvent* e = request.add_events();
      e->set_event_id(id);
      e->set_type(type);
      e->set_payload("payload-" + id);
      e->mutable_metadata()->set_actor("tester");
    }
    return request;
  }

  grpc::Status Append(const v1::AppendRequest& request,
                      v1::AppendResponse* response) {
    grpc::ClientContext context;
    return stub_->Append(&context, request, response);
  }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1767225600)};  // 2026-01-01
  SeededRandom random_{9};
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EventLog::Stub> stub_;
};

TEST_F(EventLogServiceTest, AppendAndReadStream) {
  v1::AppendRequest request = Request("orders-1", {kId1, kId2});
  request.mutable_no_stream();
  request.mutable_events(0)->mutable_metadata()->set_correlation_id("corr");
  v1::AppendResponse response;
  ASSERT_TRUE(Append(request, &response).ok());
  EXPECT_EQ(response.first_position(), 1u);
  EXPECT_EQ(response.last_position(), 2u);
  EXPECT_EQ(response.last_stream_version(), 1u);

  grpc::ClientContext context;
  v1::ReadStreamRequest read;
  read.set_stream_id("orders-1");
  v1::ReadStreamResponse slice;
  ASSERT_TRUE(stub_->ReadStream(&context, read, &slice).ok());
  ASSERT_EQ(slice.events_size(), 2);
  const v1::RecordedEvent& e = slice.events(0);
  EXPECT_EQ(e.event_id(), kId1);
  EXPECT_EQ(e.type(), "Tested");
  EXPECT_EQ(e.payload(), std::string("payload-") + kId1);
  EXPECT_EQ(e.metadata().actor(), "tester");
  EXPECT_EQ(e.metadata().correlation_id(), "corr");
  EXPECT_EQ(e.recorded_time().seconds(), 1767225600);
  EXPECT_EQ(e.stream_id(), "orders-1");
  EXPECT_EQ(e.stream_version(), 0u);
  EXPECT_EQ(e.position(), 1u);
  EXPECT_TRUE(slice.end_of_stream());
  EXPECT_EQ(slice.last_stream_version(), 1u);

  grpc::ClientContext back_context;
  read.set_direction(v1::BACKWARDS);
  read.set_from_end(true);
  read.set_limit(1);
  ASSERT_TRUE(stub_->ReadStream(&back_context, read, &slice).ok());
  ASSERT_EQ(slice.events_size(), 1);
  EXPECT_EQ(slice.events(0).event_id(), kId2);
}

TEST_F(EventLogServiceTest, EmptyEventIdGetsAGeneratedOne) {
  v1::AppendResponse response;
  ASSERT_TRUE(Append(Request("s", {""}), &response).ok());
  grpc::ClientContext context;
  v1::ReadStreamRequest read;
  read.set_stream_id("s");
  v1::ReadStreamResponse slice;
  ASSERT_TRUE(stub_->ReadStream(&context, read, &slice).ok());
  ASSERT_EQ(slice.events_size(), 1);
  EXPECT_EQ(slice.events(0).event_id().size(), 36u);
}

TEST_F(EventLogServiceTest, WrongExpectedVersionIsAborted) {
  v1::AppendResponse response;
  ASSERT_TRUE(Append(Request("s", {kId1}), &response).ok());
  v1::AppendRequest request = Request("s", {kId2});
  request.set_exact(5);
  grpc::Status status = Append(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("expected version 5"));
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("actual version 0"));
  request.mutable_no_stream();
  EXPECT_EQ(Append(request, &response).error_code(), grpc::StatusCode::ABORTED);
}

// The server's own streams take only its commands: a raw append to any of
// them is refused, names the field, and writes nothing.
TEST_F(EventLogServiceTest, AppendToTheServersOwnStreamsIsRefused) {
  for (const std::string stream :
       {"contract-DCC-1", "contract-", "frameworks", "measures"}) {
    v1::AppendResponse response;
    grpc::Status status = Append(Request(stream, {kId1}), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << stream;
    EXPECT_THAT(status.error_message(), ::testing::StartsWith("stream_id: "));
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr(stream));
  }
  EXPECT_EQ(server_->store().HeadPosition(), 0u);
  // Streams that merely look alike are not the server's.
  v1::AppendResponse response;
  for (const std::string stream :
       {"contracts", "frameworks-notes", "measure"}) {
    EXPECT_TRUE(Append(Request(stream, {kId1}), &response).ok()) << stream;
  }
  EXPECT_EQ(server_->store().HeadPosition(), 3u);
}

TEST_F(EventLogServiceTest, IdempotentRetryAndConflictingId) {
  v1::AppendResponse first, again;
  v1::AppendRequest request = Request("s", {kId1, kId2});
  ASSERT_TRUE(Append(request, &first).ok());
  request.mutable_no_stream();  // stale by now: ignored for a retry
  ASSERT_TRUE(Append(request, &again).ok());
  EXPECT_EQ(again.first_position(), first.first_position());
  EXPECT_EQ(again.last_position(), first.last_position());
  EXPECT_EQ(server_->store().HeadPosition(), 2u);

  request.mutable_events(1)->set_payload("different");
  EXPECT_EQ(Append(request, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(EventLogServiceTest,
       BadInputIsInvalidArgumentNamingTheFieldAndWritesNothing) {
  struct Case {
    std::string name;
    std::function<void(v1::AppendRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {"empty stream", [](auto& r) { r.set_stream_id(""); }, "stream_id"},
      {"long stream", [](auto& r) { r.set_stream_id(std::string(129, 's')); },
       "stream_id"},
      {"bad stream char", [](auto& r) { r.set_stream_id("a/b"); }, "stream_id"},
      {"no expected version", [](auto& r) { r.clear_expected_version(); },
       "expected_version"},
      {"no events", [](auto& r) { r.clear_events(); }, "events"},
      {"empty type", [](auto& r) { r.mutable_events(0)->set_type(""); },
       "events[0].type"},
      {"malformed id",
       [](auto& r) { r.mutable_events(0)->set_event_id("not-a-uuid"); },
       "events[0].event_id"},
      {"big payload",
       [](auto& r) {
         r.mutable_events(0)->set_payload(std::string((1 << 20) + 1, 'x'));
       },
       "events[0].payload"},
      {"too many events",
       [](auto& r) {
         for (int i = 0; i < 1000; ++i) *r.add_events() = r.events(0);
         for (auto& e : *r.mutable_events()) e.clear_event_id();
       },
       "events"},
      {"over 16 MiB",
       [](auto& r) {
         r.mutable_events(0)->set_payload(std::string(1 << 20, 'x'));
         for (int i = 0; i < 16; ++i) *r.add_events() = r.events(0);
         for (auto& e : *r.mutable_events()) e.clear_event_id();
       },
       "events"},
  };
  for (const Case& c : cases) {
    v1::AppendRequest request = Request("valid", {kId1});
    c.mutate(request);
    v1::AppendResponse response;
    grpc::Status status = Append(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.name;
    EXPECT_EQ(status.error_message().substr(0, c.field.size()), c.field)
        << c.name << ": " << status.error_message();
  }
  EXPECT_EQ(server_->store().HeadPosition(), 0u);
  // And the server keeps serving.
  v1::AppendResponse response;
  EXPECT_TRUE(Append(Request("valid", {kId1}), &response).ok());
}

TEST_F(EventLogServiceTest, ReadErrors) {
  grpc::ClientContext c1;
  v1::ReadStreamRequest read;
  read.set_stream_id("missing");
  v1::ReadStreamResponse slice;
  EXPECT_EQ(stub_->ReadStream(&c1, read, &slice).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext c2;
  read.set_stream_id("bad id");
  EXPECT_EQ(stub_->ReadStream(&c2, read, &slice).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c3;
  read.set_stream_id("ok");
  read.set_from_end(true);
  EXPECT_EQ(stub_->ReadStream(&c3, read, &slice).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c4;
  v1::ReadAllRequest all;
  all.set_limit(5000);
  v1::ReadAllResponse all_slice;
  EXPECT_EQ(stub_->ReadAll(&c4, all, &all_slice).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c5;
  all.set_limit(0);
  all.mutable_filter()->add_stream_prefixes("bad prefix");
  EXPECT_EQ(stub_->ReadAll(&c5, all, &all_slice).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(EventLogServiceTest, ReadAllWithFilter) {
  v1::AppendResponse response;
  ASSERT_TRUE(Append(Request("orders-1", {kId1}, "A"), &response).ok());
  ASSERT_TRUE(Append(Request("framework-1", {kId2}, "B"), &response).ok());
  grpc::ClientContext context;
  v1::ReadAllRequest request;
  request.mutable_filter()->add_stream_prefixes("framework-");
  v1::ReadAllResponse slice;
  ASSERT_TRUE(stub_->ReadAll(&context, request, &slice).ok());
  ASSERT_EQ(slice.events_size(), 1);
  EXPECT_EQ(slice.events(0).stream_id(), "framework-1");
  EXPECT_EQ(slice.next_position(), 3u);
  EXPECT_EQ(slice.head_position(), 2u);
}

// Subscribe: catch-up then caught_up then live, with a writer running; no
// gap, no duplicate; resumable from next_position.
TEST_F(EventLogServiceTest, SubscribeCatchesUpGoesLiveAndResumes) {
  v1::AppendResponse response;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Append(Request("pre", {""}), &response).ok());
  }
  std::atomic<bool> stop_writer{false};
  std::thread writer([&] {
    auto stub = v1::EventLog::NewStub(channel_);
    for (int i = 0; i < 300 && !stop_writer; ++i) {
      grpc::ClientContext context;
      v1::AppendResponse r;
      ASSERT_TRUE(stub->Append(&context, Request("live", {""}), &r).ok());
    }
  });
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_from_position(1);
  auto reader = stub_->Subscribe(&context, request);
  v1::SubscribeResponse message;
  uint64_t expected = 1;
  bool caught_up = false;
  while (expected <= 350 && reader->Read(&message)) {
    caught_up = caught_up || message.caught_up();
    for (const v1::RecordedEvent& e : message.events()) {
      ASSERT_EQ(e.position(), expected);
      ++expected;
    }
    EXPECT_EQ(message.next_position(), expected);
  }
  writer.join();
  EXPECT_EQ(expected, 351u);
  EXPECT_TRUE(caught_up);
  context.TryCancel();
  reader->Finish();

  // Resume from a position in the middle.
  grpc::ClientContext resume_context;
  request.set_from_position(340);
  request.mutable_filter()->add_stream_prefixes("live");
  auto resumed = stub_->Subscribe(&resume_context, request);
  ASSERT_TRUE(resumed->Read(&message));
  ASSERT_GT(message.events_size(), 0);
  EXPECT_EQ(message.events(0).position(), 340u);
  resume_context.TryCancel();
  resumed->Finish();
  EXPECT_TRUE(
      WaitUntil([&] { return server_->store().HeadPosition() == 350; }));
}

TEST_F(EventLogServiceTest, SubscribeWithBadFilterIsInvalidArgument) {
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.mutable_filter()->add_event_types("");
  auto reader = stub_->Subscribe(&context, request);
  v1::SubscribeResponse message;
  EXPECT_FALSE(reader->Read(&message));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(EventLogServiceTest, ShutdownEndsSubscriptionsWithUnavailable) {
  grpc::ClientContext context;
  auto reader = stub_->Subscribe(&context, v1::SubscribeRequest());
  v1::SubscribeResponse message;
  ASSERT_TRUE(reader->Read(&message));  // caught up on the empty log
  EXPECT_TRUE(message.caught_up());
  std::thread stopper([&] { server_->Shutdown(); });
  EXPECT_FALSE(reader->Read(&message));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  stopper.join();
}

TEST_F(EventLogServiceTest, HealthServiceReportsServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const std::string service : {"", "svledger.v1.EventLog"}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::SERVING);
  }
}

}  // namespace
}  // namespace svledger::services
