// Waiting queries do not wait on each other, scans run apart from point
// reads, and one caller's waits are bounded. Before, every min_position
// answer ran on one notification thread: with 300 council summaries
// waiting, an unrelated GetContractProgress was answered after all of them
// (13-16 s on the demo).

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::services {
namespace {

using server::Server;
using server::ServerOptions;
using svledger::testing::TempDir;

class QueryLanesTest : public ::testing::Test {
 protected:
  void Start(size_t max_waits_per_principal) {
    ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
    options.seed.demo = true;
    options.app.enforcement = false;
    options.grpc.scan_threads = 1;
    options.grpc.max_queued_scans = 1000;
    options.grpc.max_waits_per_principal = max_waits_per_principal;
    options.grpc.max_position_wait = absl::Seconds(60);
    auto server = Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    progress_ = v1::ProgressService::NewStub(channel_);
  }

  // Appends an event, so that the head moves past what queries wait for.
  void Nudge() {
    v1::AppendRequest request;
    request.set_stream_id("nudge");
    request.mutable_any();
    request.add_events()->set_type("Nudge");
    grpc::ClientContext context;
    v1::AppendResponse response;
    ASSERT_TRUE(v1::EventLog::NewStub(channel_)
                    ->Append(&context, request, &response)
                    .ok());
  }

  bool WaitForWaiters(size_t n) {
    return testing::WaitUntil(
        [&] { return server_->read_model().applied().waiting() >= n; },
        absl::Seconds(30));
  }

  // The demo's first contract.
  std::string AContract() {
    v1::ListContractsRequest request;
    grpc::ClientContext context;
    v1::ListContractsResponse response;
    EXPECT_TRUE(progress_->ListContracts(&context, request, &response).ok());
    return response.contracts_size() > 0 ? response.contracts(0).contract_id()
                                         : "";
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ProgressService::Stub> progress_;
};

struct Pending {
  grpc::ClientContext context;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CouncilSummary>> summary;
  v1::CouncilSummary summary_response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::ContractProgress>> point;
  v1::ContractProgress point_response;
};

// Starts a council summary as `actor` that waits for `min_position`; its
// completion is tagged with the returned call.
std::unique_ptr<Pending> StartSummary(v1::ProgressService::Stub& stub,
                                      grpc::CompletionQueue& cq,
                                      const std::string& actor,
                                      uint64_t min_position) {
  auto call = std::make_unique<Pending>();
  call->context.AddMetadata("svledger-actor", actor);
  v1::GetCouncilSummaryRequest request;
  request.set_council("derbyshire");
  request.set_min_position(min_position);
  call->summary = stub.AsyncGetCouncilSummary(&call->context, request, &cq);
  call->summary->Finish(&call->summary_response, &call->status, call.get());
  return call;
}

TEST_F(QueryLanesTest, APointReadIsNotAnsweredBehindWaitingScans) {
  Start(/*max_waits_per_principal=*/1000);
  const std::string contract = AContract();
  ASSERT_FALSE(contract.empty());
  const uint64_t next = server_->store().HeadPosition() + 1;
  constexpr int kSummaries = 300;
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Pending>> calls;
  for (int i = 0; i < kSummaries; ++i) {
    calls.push_back(
        StartSummary(*progress_, cq, absl::StrCat("council-", i), next));
  }
  // Registered after every summary: answered serially, it would come last.
  auto point = std::make_unique<Pending>();
  v1::GetContractProgressRequest request;
  request.set_contract_id(contract);
  request.set_min_position(next);
  point->point =
      progress_->AsyncGetContractProgress(&point->context, request, &cq);
  point->point->Finish(&point->point_response, &point->status, point.get());
  // Let them all register before the position exists.
  ASSERT_EQ(server_->store().HeadPosition() + 1, next);
  ASSERT_TRUE(WaitForWaiters(kSummaries + 1));
  Nudge();

  int summaries_before = 0;
  bool point_done = false;
  for (int done = 0; done <= kSummaries; ++done) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    Pending* call = static_cast<Pending*>(tag);
    ASSERT_TRUE(call->status.ok()) << call->status.error_message();
    if (call == point.get()) {
      point_done = true;
      EXPECT_EQ(point->point_response.contract().contract_id(), contract);
    } else if (!point_done) {
      ++summaries_before;
    }
  }
  EXPECT_TRUE(point_done);
  // The one scan thread may finish a few summaries while the notification
  // thread hands the others on; serially, all 300 came first.
  EXPECT_LT(summaries_before, kSummaries / 10) << summaries_before;
}

TEST_F(QueryLanesTest, OneCallerMayHaveOnlySoManyWaitsPending) {
  Start(/*max_waits_per_principal=*/5);
  const uint64_t next = server_->store().HeadPosition() + 1;
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Pending>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(StartSummary(*progress_, cq, "impatient", next));
  }
  // The sixth is refused at once; another caller may still wait.
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  Pending* refused = static_cast<Pending*>(tag);
  EXPECT_EQ(refused->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused->status.error_message().find("min_position"),
            std::string::npos)
      << refused->status.error_message();
  Nudge();
  int answered = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(cq.Next(&tag, &ok));
    answered += static_cast<Pending*>(tag)->status.ok() ? 1 : 0;
  }
  EXPECT_EQ(answered, 5);
}

}  // namespace
}  // namespace svledger::services
