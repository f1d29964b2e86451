// The contract progress projection against a real log: live state equals a
// rebuild, state and checkpoint survive a restart without replaying the
// log, a rebuild swaps in while serving, and events the domain cannot apply
// are counted and skipped.

#include "projections/contract_projection.h"

#include <cmath>

#include "eventstore/event_store.h"
#include "gtest/gtest.h"
#include "projections/contract_read_model.h"
#include "projections/projection_db.h"
#include "tests/projections/log_fixture.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::projections {
namespace {

using svledger::testing::TempDir;
using svledger::testing::WriteContract;

class ContractProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = eventstore::EventStore::Open({.path = dir_.path() + "/log"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    OpenModel();
  }

  void OpenModel() {
    auto db = ProjectionDb::Open(dir_.path() + "/projections");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ContractReadModelOptions options;
    options.store = store_.get();
    options.db = db_.get();
    options.batch_events = 100;  // many batches, many checkpoints
    auto model = ContractReadModel::Open(options);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
  }

  void CloseModel() {
    model_.reset();
    db_.reset();
  }

  // Waits until the serving projection has applied the whole log.
  bool CaughtUp() {
    return model_->applied().WaitFor(store_->HeadPosition(),
                                     absl::Now() + absl::Seconds(30));
  }

  TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<ProjectionDb> db_;
  std::unique_ptr<ContractReadModel> model_;
};

TEST_F(ContractProjectionTest, FollowsTheLogAndCountsWhatItCannotApply) {
  ASSERT_TRUE(WriteContract(*store_, "K1", 10).ok());
  ASSERT_TRUE(WriteContract(*store_, "K2", 4).ok());
  ASSERT_TRUE(CaughtUp());
  auto p = model_->current();
  EXPECT_EQ(p->size(), 2u);
  EXPECT_EQ(p->skipped(), 2u);  // one unknown verification per contract
  bool found = p->Read("K1", [](const domain::ContractState& s) {
    EXPECT_EQ(s.deliveries.size(), 10u);
    EXPECT_EQ(s.deliveries.at("d2").state, domain::DeliveryState::kRejected);
    EXPECT_EQ(s.deliveries.at("d3").state, domain::DeliveryState::kVerified);
  });
  EXPECT_TRUE(found);
  EXPECT_FALSE(p->Read("K3", [](const domain::ContractState&) {}));
}

TEST_F(ContractProjectionTest, RebuiltEqualsLiveAndSwapsInWhileServing) {
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(WriteContract(*store_, "K" + std::to_string(i), 12).ok());
  }
  ASSERT_TRUE(CaughtUp());
  auto live = model_->current();
  const auto live_records = live->Records();
  ASSERT_EQ(live->generation(), 1u);

  // Writers keep going while the rebuild runs.
  std::thread writer([&] {
    for (int i = 8; i < 12; ++i) {
      ASSERT_TRUE(WriteContract(*store_, "K" + std::to_string(i), 12).ok());
    }
  });
  ASSERT_TRUE(model_->StartRebuild().ok());
  EXPECT_EQ(model_->StartRebuild().code(),
            absl::StatusCode::kFailedPrecondition);  // one at a time
  // The old generation keeps answering during the rebuild.
  EXPECT_TRUE(live->Read("K0", [](const domain::ContractState&) {}));
  writer.join();
  ASSERT_TRUE(testing::WaitUntil([&] { return !model_->status().rebuilding; },
                                 absl::Seconds(60)));
  EXPECT_EQ(model_->status().last_rebuild_error, "");
  ASSERT_TRUE(CaughtUp());
  auto rebuilt = model_->current();
  EXPECT_EQ(rebuilt->generation(), 2u);
  EXPECT_EQ(rebuilt->skipped(), 12u);

  // A clean rebuild from scratch, for comparison: equal to the swapped-in
  // one, which has followed the log live since the swap.
  ASSERT_TRUE(model_->Rebuild().ok());
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(model_->current()->generation(), 3u);
  EXPECT_EQ(model_->current()->Records(), rebuilt->Records());
  EXPECT_EQ(rebuilt->size(), 12u);
  // And the first 8 contracts are as they were before the rebuild.
  auto after = rebuilt->Records();
  for (const auto& [key, value] : live_records) {
    ASSERT_TRUE(after.contains(key)) << key;
    EXPECT_EQ(after.at(key), value) << key;
  }
}

TEST_F(ContractProjectionTest, RestartLoadsStateAndCheckpointWithoutReplay) {
  ASSERT_TRUE(WriteContract(*store_, "K1", 20).ok());
  ASSERT_TRUE(WriteContract(*store_, "K2", 20).ok());
  ASSERT_TRUE(CaughtUp());
  const auto records = model_->current()->Records();
  const uint64_t head = store_->HeadPosition();
  CloseModel();

  // Loaded from the table alone: the state is there before any catch-up.
  auto db = ProjectionDb::Open(dir_.path() + "/projections");
  ASSERT_TRUE(db.ok());
  auto table = (*db)->Active("contracts");
  ASSERT_TRUE(table.ok());
  auto loaded =
      ContractProjection::Load({.store = store_.get(), .table = *table});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->applied(), head);
  EXPECT_EQ((*loaded)->skipped(), 2u);
  EXPECT_EQ((*loaded)->Records(), records);
  loaded->reset();
  db->reset();

  // And a restarted read model carries on from there.
  OpenModel();
  ASSERT_TRUE(WriteContract(*store_, "K3", 2).ok());
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(model_->current()->size(), 3u);
  EXPECT_EQ(model_->current()->skipped(), 3u);
}

// A delivery that breaks an invariant (a negative figure, a legacy double
// that is not a number, an unknown commitment) is skipped and counted, and
// the contract's figures stay exact.
TEST_F(ContractProjectionTest, ADeliveryThatBreaksAnInvariantIsSkipped) {
  ASSERT_TRUE(WriteContract(*store_, "K1", 0).ok());  // skips 1
  auto delivery = [](const std::string& id, const std::string& commitment) {
    v1::DeliveryReported d;
    d.set_delivery_id(id);
    d.set_commitment_id(commitment);
    *d.mutable_period_start() = domain::MakeDate(2025, 1, 1);
    *d.mutable_period_end() = domain::MakeDate(2025, 3, 31);
    return d;
  };
  v1::DeliveryReported negative = delivery("negative", "jobs");
  negative.set_quantity("-5");
  v1::DeliveryReported nan = delivery("nan", "jobs");
  nan.set_legacy_quantity(std::nan(""));
  v1::DeliveryReported legacy_negative = delivery("legacy-negative", "jobs");
  legacy_negative.set_legacy_quantity(-3);
  v1::DeliveryReported infinite = delivery("infinite", "jobs");
  infinite.set_quantity("1");
  infinite.set_legacy_denominator(HUGE_VAL);
  v1::DeliveryReported stranger = delivery("stranger", "no-such-commitment");
  stranger.set_quantity("1");
  v1::DeliveryReported good = delivery("good", "jobs");
  good.set_quantity("2.5");
  for (const v1::DeliveryReported* d :
       {&negative, &nan, &legacy_negative, &infinite, &stranger, &good}) {
    ASSERT_TRUE(testing::AppendContractEvent(*store_, "K1", *d).ok());
  }
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(model_->current()->skipped(), 6u);
  bool found =
      model_->current()->Read("K1", [](const domain::ContractState& s) {
        ASSERT_EQ(s.deliveries.size(), 1u);
        EXPECT_EQ(s.deliveries.at("good").quantity.ToString(), "2.5");
      });
  EXPECT_TRUE(found);
}

TEST_F(ContractProjectionTest, ListenersHearWhichContractsChanged) {
  // Shared with the listener, which may run until the model stops.
  struct Heard {
    absl::Mutex mu;
    std::vector<ContractChanges> batches ABSL_GUARDED_BY(mu);
  };
  auto heard = std::make_shared<Heard>();
  model_->AddListener([heard](const ContractChanges& changes) {
    absl::MutexLock lock(&heard->mu);
    heard->batches.push_back(changes);
  });
  // What the batches after `after` said of K7: (changed, judged).
  auto k7_after = [&](uint64_t after) {
    absl::MutexLock lock(&heard->mu);
    std::pair<bool, bool> out{false, false};
    for (const ContractChanges& c : heard->batches) {
      if (c.checkpoint <= after) continue;
      out.first |= std::binary_search(c.ids.begin(), c.ids.end(), "K7");
      out.second |= std::binary_search(c.judged.begin(), c.judged.end(), "K7");
    }
    return out;
  };
  ASSERT_TRUE(WriteContract(*store_, "K7", 1).ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return k7_after(0).second; },
                                 absl::Seconds(30)));

  // A new report alone changes the contract but not how it is judged. Once
  // the model has applied everything before it, later batches hold only
  // the report.
  const uint64_t before = store_->HeadPosition();
  ASSERT_TRUE(
      model_->applied().WaitFor(before, absl::Now() + absl::Seconds(30)));
  v1::DeliveryReported report;
  report.set_delivery_id("late");
  report.set_commitment_id("jobs");
  report.set_quantity("1");
  *report.mutable_period_start() = domain::MakeDate(2025, 1, 1);
  *report.mutable_period_end() = domain::MakeDate(2025, 3, 31);
  ASSERT_TRUE(testing::AppendContractEvent(*store_, "K7", report).ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return k7_after(before).first; },
                                 absl::Seconds(30)));
  EXPECT_FALSE(k7_after(before).second);
}

}  // namespace
}  // namespace svledger::projections
