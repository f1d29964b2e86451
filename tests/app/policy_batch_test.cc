// The policy evaluates a contract once and appends all it proposes in one
// atomic append; a decision larger than one append takes goes in parts.
// Over the application directly: no gRPC, no server.

#include <set>

#include "absl/strings/match.h"
#include "app/enforcement_policy.h"
#include "gtest/gtest.h"
#include "tests/app/app_fixture.h"
#include "tests/services/requests.h"

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

}  // namespace
}  // namespace svledger::app
