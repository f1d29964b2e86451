// The policy evaluates a contract once and appends all it proposes in one
// atomic append; a decision larger than one append takes goes in parts.
// Over the application directly: no gRPC, no server.

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "app/enforcement_policy.h"
#include "gtest/gtest.h"
#include "tests/app/app_fixture.h"
#include "tests/services/requests.h"
#include "tests/testing/wait.h"

namespace svledger::app {
namespace {

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

class PolicyBatchTest : public testing::AppFixture {
 protected:
  // K1 with three commitments due at the end of 2026, none delivered.
  void RegisterK1() {
    ASSERT_TRUE(Run(&Commands::RegisterContract, testing::RegisterK1()).ok());
    v1::AddCommitmentsRequest add = testing::K1Jobs();
    for (const char* measure : {"apprenticeships.new", "volunteering.hours"}) {
      v1::Commitment* c = add.add_commitments();
      *c = add.commitments(0);
      c->set_commitment_id(measure);
      c->set_measure_id(measure);
    }
    auto added = Run(&Commands::AddCommitments, add);
    ASSERT_TRUE(added.ok()) << added.status();
    ASSERT_TRUE(Settle());
  }

  // The policy's events in K1's stream.
  std::vector<eventstore::RecordedEvent> PolicyEvents() {
    auto slice = store_->ReadStream("contract-K1", {.limit = 1000});
    EXPECT_TRUE(slice.ok()) << slice.status();
    std::vector<eventstore::RecordedEvent> out;
    for (const auto& e : slice->events) {
      if (e.metadata.actor == "svledger-policy") out.push_back(e);
    }
    return out;
  }

  // Six months in, every commitment is off track: a status change and a
  // case for each, six events. Returns the commits the evaluation took.
  uint64_t FallBehindAndEvaluate() {
    clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
    const uint64_t commits = store_->Stats().commits;
    auto appended = app_->policy()->Evaluate("K1");
    EXPECT_TRUE(appended.ok()) << appended.status();
    EXPECT_EQ(appended.value_or(-1), 6);
    std::vector<eventstore::RecordedEvent> events = PolicyEvents();
    EXPECT_EQ(events.size(), 6u);
    std::set<std::string> request_ids;
    for (const auto& e : events) {
      EXPECT_TRUE(absl::StartsWith(e.metadata.request_id, "policy."));
      EXPECT_EQ(e.id, domain::CommandEventId("K1", e.metadata.request_id, 0));
      request_ids.insert(e.metadata.request_id);
    }
    EXPECT_EQ(request_ids.size(), 6u) << "each event keyed on its own";
    // Judged again: nothing more, whether or not the projection caught up.
    auto again = app_->policy()->Evaluate("K1");
    EXPECT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again.value_or(-1), 0);
    EXPECT_TRUE(Settle());
    again = app_->policy()->Evaluate("K1");
    EXPECT_EQ(again.value_or(-1), 0);
    return store_->Stats().commits - commits;
  }
};

TEST_F(PolicyBatchTest, AContractsProposalsAreOneAppend) {
  RegisterK1();
  EXPECT_EQ(FallBehindAndEvaluate(), 1u);
}

class SmallAppendPolicyTest : public PolicyBatchTest {
 protected:
  void Configure(eventstore::EventStoreOptions& options) override {
    options.limits.max_events_per_append = 4;
  }
};

TEST_F(SmallAppendPolicyTest, ADecisionLargerThanOneAppendGoesInParts) {
  RegisterK1();
  EXPECT_EQ(FallBehindAndEvaluate(), 2u);  // 4 events, then 2
}

// Finding: one contract with 1,500 past-due commitments held up an
// unrelated contract's case for 27 s, because the policy's thread evaluated
// changed contracts one after another, each waiting for all its parts.
// Now changed contracts are evaluated side by side: the small contract's
// case is appended while the large one's decision is still going in parts
// (here 4 events an append, so the large one takes 100 appends).
TEST_F(SmallAppendPolicyTest, AChangedContractNeverWaitsForALargeOne) {
  auto register_contract = [&](const std::string& id, int commitments) {
    v1::RegisterContractRequest reg = testing::RegisterK1();
    reg.set_request_id("reg-" + id);
    reg.mutable_contract()->set_contract_id(id);
    ASSERT_TRUE(Run(&Commands::RegisterContract, reg).ok());
    // In calls of at most 100 commitments, the most one takes.
    for (int first = 0; first < commitments; first += 100) {
      v1::AddCommitmentsRequest add = testing::K1Jobs();
      add.set_request_id(absl::StrCat("add-", id, "-", first));
      add.set_contract_id(id);
      add.clear_commitments();
      for (int i = first; i < std::min(commitments, first + 100); ++i) {
        v1::Commitment* c = add.add_commitments();
        *c = testing::K1Jobs().commitments(0);
        if (i > 0) c->set_commitment_id(absl::StrCat("jobs-", i));
      }
      auto added = Run(&Commands::AddCommitments, add);
      ASSERT_TRUE(added.ok()) << added.status();
    }
  };
  ASSERT_NO_FATAL_FAILURE(register_contract("A-large", 200));
  ASSERT_NO_FATAL_FAILURE(register_contract("B-small", 1));
  ASSERT_TRUE(Settle());
  app_->policy()->Start();
  // Its first sweep finds nothing due yet.
  ASSERT_TRUE(testing::WaitUntil([&] { return app_->policy()->sweeps() == 1; },
                                 absl::Seconds(30)));
  // Six months on, everything is off track. The large contract changes,
  // then the small one, and both are judged by the change path.
  clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
  for (const char* id : {"A-large", "B-small"}) {
    v1::AmendCommitmentRequest amend;
    amend.set_request_id(absl::StrCat("amend-", id));
    amend.set_contract_id(id);
    amend.mutable_amendment()->set_commitment_id("jobs");
    amend.mutable_amendment()->set_target("25");
    amend.mutable_amendment()->set_reason("scope grew");
    auto amended = Run(&Commands::AmendCommitment, amend);
    ASSERT_TRUE(amended.ok()) << amended.status();
  }

  auto policy_positions = [&](const std::string& id) {
    std::vector<uint64_t> out;
    auto slice = store_->ReadStream("contract-" + id, {.limit = 1000});
    EXPECT_TRUE(slice.ok()) << slice.status();
    for (const auto& e : slice->events) {
      if (e.metadata.actor == "svledger-policy") out.push_back(e.position);
    }
    return out;
  };
  // 200 status changes and 200 cases, and 2 for the small one.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while ((policy_positions("A-large").size() < 400 ||
          policy_positions("B-small").size() < 2) &&
         absl::Now() < deadline) {
    store_->head_watcher().WaitFor(store_->HeadPosition() + 1,
                                   absl::Now() + absl::Seconds(1));
  }
  app_->policy()->Stop();
  const std::vector<uint64_t> large = policy_positions("A-large");
  const std::vector<uint64_t> small = policy_positions("B-small");
  ASSERT_EQ(large.size(), 400u);
  ASSERT_EQ(small.size(), 2u);
  EXPECT_LT(small.back(), large.back())
      << "the small contract's case waited for all of the large one's";
  EXPECT_EQ(app_->policy()->failures(), 0u);
}

}  // namespace
}  // namespace svledger::app
