// The enforcement policy against the real server composition, with an
// injected clock: a contract falls behind, a case opens exactly once across
// repeated and concurrent sweeps and a restart, and closes on recovery.

#include "app/enforcement_policy.h"

#include <thread>

#include "common/clock.h"
#include "domain/contract.h"
#include "domain/enforcement.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "tests/services/k1_fixture.h"
#include "tests/services/requests.h"
#include "tests/testing/temp_dir.h"

namespace svledger::services {
namespace {

using svledger::testing::TempDir;

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

class EnforcementPolicyTest : public testing::K1Fixture {
 protected:
  // A report of `quantity` jobs for the first half of 2025.
  static v1::ReportDeliveryRequest Report(const std::string& id,
                                          double quantity) {
    return testing::ReportRequest("K1", id, "jobs", quantity, D(2025, 1, 1),
                                  D(2025, 6, 30));
  }

  // The types of the events in K1's stream that the policy wrote.
  std::vector<std::string> PolicyEvents() {
    auto stream = server_->store().ReadStream("contract-K1", {.limit = 1000});
    EXPECT_TRUE(stream.ok());
    std::vector<std::string> types;
    for (const auto& e : stream->events) {
      if (e.metadata.actor == "svledger-policy") types.push_back(e.type);
    }
    return types;
  }
};

TEST_F(EnforcementPolicyTest, OneCaseAcrossSweepsConcurrencyAndRestart) {
  // Nothing due yet.
  auto swept = policy_->Sweep();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->appended, 0);

  // Six months without a delivery: off track. One status change, one case.
  clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
  swept = policy_->Sweep();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->contracts, 1u);
  EXPECT_EQ(swept->appended, 2);
  // Again, at once and from two threads: nothing more.
  std::atomic<int> more{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      auto again = policy_->Sweep();
      ASSERT_TRUE(again.ok()) << again.status();
      more += again->appended;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(more.load(), 0);
  EXPECT_EQ(PolicyEvents(),
            (std::vector<std::string>{domain::kCommitmentStatusChanged,
                                      domain::kEnforcementCaseOpened}));

  // A restart (and the projection it loads) opens nothing twice.
  Stop();
  Start();
  swept = policy_->Sweep();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->appended, 0);

  // The supplier catches up: the case closes as recovered, by the policy.
  ASSERT_TRUE(
      Command(&v1::ContractService::Stub::ReportDelivery, Report("q1", 10)));
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("v1");
  verify.set_contract_id("K1");
  verify.mutable_verification()->set_delivery_id("q1");
  ASSERT_TRUE(Command(&v1::ContractService::Stub::VerifyDelivery, verify));
  auto evaluated = policy_->Evaluate("K1");
  ASSERT_TRUE(evaluated.ok()) << evaluated.status();
  EXPECT_EQ(*evaluated, 2);
  EXPECT_EQ(
      PolicyEvents(),
      (std::vector<std::string>{
          domain::kCommitmentStatusChanged, domain::kEnforcementCaseOpened,
          domain::kCommitmentStatusChanged, domain::kEnforcementCaseClosed}));
  server_->read_model().applied().WaitFor(server_->store().HeadPosition(),
                                          absl::Now() + absl::Seconds(30));
  bool closed = false;
  server_->read_model().current()->Read(
      "K1", [&](const domain::ContractState& s) {
        closed = s.enforcement.cases.at("jobs#1").closed &&
                 s.enforcement.cases.at("jobs#1").close_reason == v1::RECOVERED;
      });
  EXPECT_TRUE(closed);
  EXPECT_EQ(server_->read_model().current()->skipped(), 0u);
}

TEST_F(EnforcementPolicyTest, TheThreadEvaluatesWhatChanges) {
  clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
  policy_->Start();
  // A report changes the contract; the policy notices without a sweep.
  ASSERT_TRUE(
      Command(&v1::ContractService::Stub::ReportDelivery, Report("q1", 1)));
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (PolicyEvents().size() < 2 && absl::Now() < deadline) {
    server_->store().head_watcher().WaitFor(server_->store().HeadPosition() + 1,
                                            absl::Now() + absl::Seconds(1));
  }
  EXPECT_EQ(PolicyEvents().size(), 2u);
  policy_->Stop();
  EXPECT_EQ(policy_->failures(), 0u);
  // A stopped policy sweeps nothing more.
  EXPECT_EQ(policy_->Sweep().status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace svledger::services
