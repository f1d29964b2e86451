// What one stream, and one caller's streams, may hold: Subscribe from beyond
// the head is refused, a cancelled stream leaves nothing registered, one
// caller cannot take every slot, and a reader that stops reading is ended
// with RESOURCE_EXHAUSTED instead of pinning memory for ever.

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "tests/testing/http.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::services {
namespace {

using server::Server;
using server::ServerOptions;
using svledger::testing::TempDir;
using svledger::testing::WaitUntil;

class StreamLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.metrics.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.grpc.shutdown_grace = absl::Seconds(5);
    options.grpc.streams.max_streams_per_principal = 3;
    options.grpc.streams.max_write_stall = absl::Seconds(2);
    auto server = Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::EventLog::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  // Appends `n` events of `payload_bytes` each.
  void Fill(int n, size_t payload_bytes) {
    for (int i = 0; i < n; i += 100) {
      v1::AppendRequest request;
      request.set_stream_id("filler");
      request.mutable_any();
      for (int j = i; j < std::min(n, i + 100); ++j) {
        v1::ProposedEvent* e = request.add_events();
        e->set_type("Filler");
        e->set_payload(std::string(payload_bytes, 'f'));
      }
      grpc::ClientContext context;
      v1::AppendResponse response;
      ASSERT_TRUE(stub_->Append(&context, request, &response).ok());
    }
  }

  // A Subscribe call as `actor` (authentication is off: the header names
  // the caller).
  struct Call {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;
  };
  std::unique_ptr<Call> Subscribe(const std::string& actor, uint64_t from) {
    auto call = std::make_unique<Call>();
    call->context.AddMetadata("svledger-actor", actor);
    v1::SubscribeRequest request;
    request.set_from_position(from);
    call->reader = stub_->Subscribe(&call->context, request);
    return call;
  }

  double Metric(const std::string& series) {
    absl::StatusOr<std::string> text =
        testing::HttpGet(server_->metrics_port(), "/metrics");
    return text.ok() ? testing::MetricValue(*text, series).value_or(-1) : -1;
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::EventLog::Stub> stub_;
};

TEST_F(StreamLimitsTest, APositionBeyondTheHeadIsRefused) {
  Fill(3, 10);
  for (uint64_t from : {uint64_t{5}, std::numeric_limits<uint64_t>::max()}) {
    std::unique_ptr<Call> call = Subscribe("reader", from);
    v1::SubscribeResponse response;
    EXPECT_FALSE(call->reader->Read(&response));
    grpc::Status status = call->reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << from;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), "from_position"))
        << status.error_message();

    grpc::ClientContext context;
    v1::ReadAllRequest read;
    read.set_from_position(from);
    v1::ReadAllResponse page;
    EXPECT_EQ(stub_->ReadAll(&context, read, &page).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // The next position (head + 1) is where a live follower starts.
  std::unique_ptr<Call> live = Subscribe("reader", 4);
  v1::SubscribeResponse response;
  ASSERT_TRUE(live->reader->Read(&response));
  EXPECT_TRUE(response.caught_up());
  live->context.TryCancel();
  live->reader->Finish();
}

TEST_F(StreamLimitsTest, ACancelledStreamLeavesNothingRegistered) {
  Fill(3, 10);
  const size_t before = server_->store().head_watcher().waiting();
  for (int i = 0; i < 50; ++i) {
    std::unique_ptr<Call> call = Subscribe(absl::StrCat("reader-", i), 1);
    v1::SubscribeResponse response;
    // Read up to the live edge: the stream then waits on the log's head.
    while (call->reader->Read(&response) && !response.caught_up()) {
    }
    call->context.TryCancel();
    call->reader->Finish();
  }
  EXPECT_TRUE(WaitUntil([&] {
    return server_->store().head_watcher().waiting() <= before;
  })) << server_->store().head_watcher().waiting()
      << " waiting, " << before << " before";
}

// Opened and cancelled at once, without reading, many times over: every
// stream is freed, and nothing stays registered with the head watcher.
TEST_F(StreamLimitsTest, StreamsCancelledAtOnceAreAllFreed) {
  Fill(300, 1000);
  const size_t before = server_->store().head_watcher().waiting();
  for (int i = 0; i < 20000; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("svledger-actor", "churner");
    v1::SubscribeRequest request;
    request.set_from_position(1);
    auto reader = stub_->Subscribe(&context, request);
    context.TryCancel();
    reader->Finish();
  }
  EXPECT_TRUE(WaitUntil([&] {
    return Metric("svledger_streams_open{kind=\"subscribe\"}") == 0;
  })) << Metric("svledger_streams_open{kind=\"subscribe\"}");
  EXPECT_TRUE(WaitUntil([&] {
    return server_->store().head_watcher().waiting() <= before;
  })) << server_->store().head_watcher().waiting()
      << " waiting, " << before << " before";
}

TEST_F(StreamLimitsTest, OneCallerCannotTakeEverySlot) {
  std::vector<std::unique_ptr<Call>> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(Subscribe("greedy", 1));
    v1::SubscribeResponse response;
    ASSERT_TRUE(mine.back()->reader->Read(&response));  // open and caught up
  }
  std::unique_ptr<Call> fourth = Subscribe("greedy", 1);
  v1::SubscribeResponse response;
  EXPECT_FALSE(fourth->reader->Read(&response));
  grpc::Status refused = fourth->reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "per caller"))
      << refused.error_message();
  // Another caller still gets a stream, and a slot freed is a slot again.
  std::unique_ptr<Call> other = Subscribe("modest", 1);
  EXPECT_TRUE(other->reader->Read(&response));
  mine[0]->context.TryCancel();
  mine[0]->reader->Finish();
  EXPECT_TRUE(WaitUntil([&] {
    std::unique_ptr<Call> again = Subscribe("greedy", 1);
    v1::SubscribeResponse r;
    const bool opened = again->reader->Read(&r);
    again->context.TryCancel();
    again->reader->Finish();
    return opened;
  }));
  for (auto* call : {&mine[1], &mine[2], &other}) {
    (*call)->context.TryCancel();
    (*call)->reader->Finish();
  }
}

TEST_F(StreamLimitsTest, AReaderThatStopsReadingIsEndedAndCanResume) {
  // Far more than the transport's window, so that the stream's writes stall.
  Fill(800, 10 << 10);
  std::unique_ptr<Call> stalled = Subscribe("sleepy", 1);
  // It reads nothing until the server gives up on it.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Metric("svledger_streams_stalled_total{kind=\"subscribe\"}") >=
               1;
      },
      absl::Seconds(30)));
  uint64_t next = 1;
  v1::SubscribeResponse response;
  while (stalled->reader->Read(&response)) next = response.next_position();
  grpc::Status status = stalled->reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "too slow"))
      << status.error_message();
  ASSERT_GT(next, 1u);
  // Resuming from the last position it got continues without a gap.
  std::unique_ptr<Call> resumed = Subscribe("sleepy", next);
  ASSERT_TRUE(resumed->reader->Read(&response));
  ASSERT_GT(response.events_size(), 0);
  EXPECT_EQ(response.events(0).position(), next);
  resumed->context.TryCancel();
  resumed->reader->Finish();
}

}  // namespace
}  // namespace svledger::services
