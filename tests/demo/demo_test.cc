// The demo as a newcomer relies on it: loaded through the real application
// into an empty log with a fake clock at a fixed "today", its history spans
// two years at its own dates, the past differs from the present, and its
// stories (a recovery, an escalation, an endorsement) are in the log.

#include "demo/demo.h"

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "app/application.h"
#include "common/clock.h"
#include "domain/framework_catalog.h"
#include "eventstore/event_store.h"
#include "gtest/gtest.h"
#include "projections/contract_read_model.h"
#include "projections/projection_db.h"
#include "svledger/v1/contract.pb.h"
#include "svledger/v1/enforcement.pb.h"
#include "tests/testing/temp_dir.h"

namespace svledger {
namespace {

const absl::CivilDay kToday(2026, 12, 2);

v1::Date DateOf(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

// The application over a log in a temporary directory, its clock a
// SettableClock over a fake "real" clock at kToday's noon, as the server
// composes it; the demo loaded as the server loads it.
class DemoLog {
 public:
  DemoLog()
      : real_(
            absl::FromCivil(absl::CivilHour(kToday) + 12, absl::UTCTimeZone())),
        clock_(&real_) {}

  ~DemoLog() {
    app_.reset();
    if (model_ != nullptr) model_->Stop();
    model_.reset();
    db_.reset();
    if (store_ != nullptr) store_->Close();
  }

  // Opens and loads; returns the loader's status.
  absl::Status Load(uint64_t seed = 2026) {
    eventstore::EventStoreOptions store_options;
    store_options.path = dir_.Sub("log");
    store_options.clock = &clock_;
    auto store = eventstore::EventStore::Open(store_options);
    if (!store.ok()) return store.status();
    store_ = *std::move(store);
    auto db = projections::ProjectionDb::Open(dir_.Sub("projections"));
    if (!db.ok()) return db.status();
    db_ = *std::move(db);
    auto model = projections::ContractReadModel::Open(
        {.store = store_.get(), .db = db_.get()});
    if (!model.ok()) return model.status();
    model_ = *std::move(model);
    auto app =
        app::Application::Create(store_.get(), model_.get(), &clock_, {});
    if (!app.ok()) return app.status();
    app_ = *std::move(app);
    clock_.Set(demo::DemoEpoch(kToday));
    if (absl::Status s = app_->frameworks().PublishFrameworkFiles(
            SVLEDGER_FRAMEWORKS_DIR, app::Caller::System("test"));
        !s.ok()) {
      return s;
    }
    demo::DemoOptions options;
    options.seed = seed;
    options.head_position = [this] { return store_->HeadPosition(); };
    const absl::Time started = absl::Now();
    absl::Status loaded = demo::LoadDemo(*app_, clock_, kToday, options);
    load_time_ = absl::Now() - started;
    clock_.Release();
    return loaded;
  }

  std::vector<eventstore::RecordedEvent> Events() const {
    std::vector<eventstore::RecordedEvent> all;
    uint64_t from = 1;
    for (;;) {
      auto slice = store_->ReadAll(from, {});
      EXPECT_TRUE(slice.ok()) << slice.status();
      if (!slice.ok() || slice->events.empty()) break;
      for (auto& e : slice->events) all.push_back(std::move(e));
      from = slice->next_position;
    }
    return all;
  }

  app::Application& app() { return *app_; }
  absl::Duration load_time() const { return load_time_; }

 private:
  FakeClock real_;
  SettableClock clock_;
  testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<projections::ProjectionDb> db_;
  std::unique_ptr<projections::ContractReadModel> model_;
  std::unique_ptr<app::Application> app_;
  absl::Duration load_time_;
};

class DemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    demo_ = new DemoLog;
    const absl::Status loaded = demo_->Load();
    ASSERT_TRUE(loaded.ok()) << loaded;
    std::printf("demo loaded in %s\n",
                absl::FormatDuration(demo_->load_time()).c_str());
  }
  static void TearDownTestSuite() {
    delete demo_;
    demo_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(demo_, nullptr); }

  std::vector<v1::EnforcementCase> Cases() {
    v1::ListCasesRequest list;
    list.set_page_size(500);
    auto cases =
        demo_->app().cases().ListCases(app::Caller::System("test"), list);
    EXPECT_TRUE(cases.ok()) << cases.status();
    if (!cases.ok()) return {};
    return {cases->cases().begin(), cases->cases().end()};
  }

  static DemoLog* demo_;
};

DemoLog* DemoTest::demo_ = nullptr;

TEST_F(DemoTest, HistorySpansTwoYearsInOrder) {
  const std::vector<eventstore::RecordedEvent> events = demo_->Events();
  ASSERT_GT(events.size(), 1000u);
  for (size_t i = 1; i < events.size(); ++i) {
    ASSERT_LE(events[i - 1].recorded_time, events[i].recorded_time)
        << "position " << events[i].position;
  }
  const absl::Duration span =
      events.back().recorded_time - events.front().recorded_time;
  EXPECT_GE(span, absl::Hours(24 * 700)) << span;
  EXPECT_LT(events.back().recorded_time,
            absl::FromCivil(kToday, absl::UTCTimeZone()));
  // Recorded across many months, not in one minute.
  std::set<absl::CivilMonth> months;
  for (const auto& e : events) {
    months.insert(absl::ToCivilMonth(e.recorded_time, absl::UTCTimeZone()));
  }
  EXPECT_GE(months.size(), 24u);
}

TEST_F(DemoTest, ThePastDiffersFromToday) {
  const auto progress = [](const std::string& id,
                           std::optional<absl::CivilDay> as_of) {
    v1::GetContractProgressRequest request;
    request.set_contract_id(id);
    if (as_of.has_value()) *request.mutable_as_of() = DateOf(*as_of);
    auto p = demo_->app().progress().ContractProgress(
        app::Caller::System("test"), request);
    EXPECT_TRUE(p.ok()) << id << ": " << p.status();
    return p.ok() ? *p : v1::ContractProgress();
  };
  const v1::ContractProgress past =
      progress("NOR-2024-101", absl::CivilDay(2025, 6, 30));
  const v1::ContractProgress now = progress("NOR-2024-101", std::nullopt);
  ASSERT_FALSE(past.commitments().empty());
  ASSERT_EQ(past.commitments_size(), now.commitments_size());
  bool differs = false;
  bool delivered_then = false;
  for (int i = 0; i < past.commitments_size(); ++i) {
    differs = differs ||
              past.commitments(i).delivered() != now.commitments(i).delivered();
    delivered_then =
        delivered_then || (past.commitments(i).delivered() != "0" &&
                           !past.commitments(i).delivered().empty());
  }
  EXPECT_TRUE(differs);
  EXPECT_TRUE(delivered_then);
}

TEST_F(DemoTest, CasesOpenOverMonths) {
  const std::vector<v1::EnforcementCase> cases = Cases();
  ASSERT_GE(cases.size(), 5u);
  std::set<absl::CivilMonth> opened;
  for (const auto& c : cases) {
    opened.insert(absl::ToCivilMonth(
        absl::FromUnixMicros(c.opened().unix_micros()), absl::UTCTimeZone()));
  }
  EXPECT_GE(opened.size(), 4u);
}

TEST_F(DemoTest, TheStoriesHold) {
  bool remedied = false;
  bool performance_notice = false;
  for (const auto& c : Cases()) {
    remedied = remedied || (c.state() == v1::CASE_CLOSED &&
                            c.close_reason() == v1::REMEDIED);
    performance_notice =
        performance_notice ||
        (c.state() == v1::CASE_OPEN && c.stage() == v1::PERFORMANCE_NOTICE);
    std::printf("case %s %s %s stage=%d state=%d reason=%d opened=%s\n",
                c.contract_id().c_str(), c.case_id().c_str(),
                c.supplier_id().c_str(), c.stage(), c.state(), c.close_reason(),
                absl::FormatTime(absl::FromUnixMicros(c.opened().unix_micros()))
                    .c_str());
  }
  EXPECT_TRUE(remedied) << "no case closed REMEDIED";
  EXPECT_TRUE(performance_notice) << "no case at PERFORMANCE_NOTICE";
  bool good = false;
  int rejected = 0;
  for (const auto& e : demo_->Events()) {
    if (e.type == "PerformanceAssessmentRecorded") {
      v1::PerformanceAssessmentRecorded a;
      ASSERT_TRUE(a.ParseFromString(e.payload));
      good = good || a.rating() == v1::GOOD;
    }
    if (e.type == "DeliveryRejected") ++rejected;
  }
  EXPECT_TRUE(good) << "no GOOD assessment";
  EXPECT_GT(rejected, 0);
  // The supplier personas see contracts.
  for (const char* supplier : {"acme-facilities", "greenway-construction"}) {
    v1::ListContractsRequest list;
    list.set_supplier_id(supplier);
    auto contracts = demo_->app().progress().ListContracts(
        app::Caller::System("test"), list);
    ASSERT_TRUE(contracts.ok()) << contracts.status();
    EXPECT_GE(contracts->contracts_size(), 2) << supplier;
  }
}

TEST_F(DemoTest, EachCommitmentIsOnAMeasureOfItsCouncilsFramework) {
  const app::FrameworkStore& frameworks = demo_->app().framework_store();
  std::map<std::string, std::set<std::string>> named;
  for (const auto& f : frameworks.List()) {
    for (const v1::Theme& t : f->themes()) {
      for (const v1::Outcome& o : t.outcomes()) {
        for (const v1::MeasureRef& r : o.measures()) {
          named[f->id()].insert(r.measure_id());
        }
      }
    }
  }
  std::map<std::string, std::string> framework_of;
  int commitments = 0;
  for (const auto& e : demo_->Events()) {
    if (e.type == "ContractRegistered") {
      v1::ContractRegistered c;
      ASSERT_TRUE(c.ParseFromString(e.payload));
      framework_of[c.contract_id()] = c.framework().id();
      // No wildlife targets on IT.
      if (absl::StrContains(c.title(), "IT ")) {
        EXPECT_EQ(c.supplier_id(), "brightpath-it");
      }
    }
    if (e.type == "CommitmentsAdded") {
      v1::CommitmentsAdded added;
      ASSERT_TRUE(added.ParseFromString(e.payload));
      const std::string contract = e.stream_id.substr(strlen("contract-"));
      ASSERT_TRUE(framework_of.contains(contract)) << contract;
      const std::string& council = framework_of[contract];
      for (const v1::Commitment& c : added.commitments()) {
        EXPECT_TRUE(named[council].contains(c.measure_id()))
            << contract << " " << c.measure_id() << " is not in " << council
            << "'s framework";
        // Wildlife targets only on the parks contract.
        EXPECT_FALSE(absl::StrContains(c.measure_id(), "biodiversity") &&
                     contract != "NOR-2025-104")
            << contract;
        ++commitments;
      }
    }
  }
  EXPECT_EQ(framework_of.size(), 20u);
  EXPECT_GE(commitments, 60);
}

TEST(DemoDeterminismTest, SameSeedAndTodaySameLog) {
  DemoLog a;
  DemoLog b;
  ASSERT_TRUE(a.Load().ok());
  ASSERT_TRUE(b.Load().ok());
  const auto ea = a.Events();
  const auto eb = b.Events();
  ASSERT_EQ(ea.size(), eb.size());
  for (size_t i = 0; i < ea.size(); ++i) {
    ASSERT_EQ(ea[i].stream_id, eb[i].stream_id) << i;
    ASSERT_EQ(ea[i].type, eb[i].type) << i;
    ASSERT_EQ(ea[i].payload, eb[i].payload) << i;
    ASSERT_EQ(ea[i].recorded_time, eb[i].recorded_time) << i;
  }
  DemoLog c;
  ASSERT_TRUE(c.Load(7).ok());
  const auto ec = c.Events();
  bool differs = ec.size() != ea.size();
  for (size_t i = 0; !differs && i < ea.size(); ++i) {
    differs = ea[i].payload != ec[i].payload;
  }
  EXPECT_TRUE(differs) << "the seed changes nothing";
}

}  // namespace
}  // namespace svledger
