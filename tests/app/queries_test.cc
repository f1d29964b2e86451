// The application's queries, alert feed, framework front and projection
// admin, constructed directly over an event log and read model in a
// temporary directory: no gRPC, no server.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/app/app_fixture.h"
#include "tests/services/requests.h"

namespace svledger::app {
namespace {

const Caller kAdmin = Caller::System("test");

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

class QueriesTest : public testing::AppFixture {
 protected:
  // K1 with 1 of its 24 jobs reported and verified.
  void SetUp() override {
    AppFixture::SetUp();
    ASSERT_TRUE(Run(&Commands::RegisterContract, testing::RegisterK1()).ok());
    ASSERT_TRUE(Run(&Commands::AddCommitments, testing::K1Jobs()).ok());
    // The quarter reported on must have ended.
    clock_.Set(domain::StartOfDay(D(2025, 4, 1)));
    ASSERT_TRUE(Run(&Commands::ReportDelivery,
                    testing::ReportRequest("K1", "q1", "jobs", 1, D(2025, 1, 1),
                                           D(2025, 3, 31)))
                    .ok());
    v1::VerifyDeliveryRequest verify;
    verify.set_request_id("v1");
    verify.set_contract_id("K1");
    verify.mutable_verification()->set_delivery_id("q1");
    auto verified = Run(&Commands::VerifyDelivery, verify, "j.smith");
    ASSERT_TRUE(verified.ok()) << verified.status();
    ASSERT_TRUE(Settle());
  }
};

TEST_F(QueriesTest, ProgressIsWhatWasVerified) {
  v1::GetContractProgressRequest request;
  request.set_contract_id("K1");
  auto progress = app_->progress().ContractProgress(kAdmin, request);
  ASSERT_TRUE(progress.ok()) << progress.status();
  ASSERT_EQ(progress->commitments_size(), 1);
  EXPECT_EQ(progress->commitments(0).delivered(), "1");
  EXPECT_EQ(progress->commitments(0).target(), "24");
  request.set_contract_id("K9");
  EXPECT_EQ(app_->progress().ContractProgress(kAdmin, request).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(app_->progress().CheckWatch(kAdmin, "a b").code(),
            absl::StatusCode::kInvalidArgument);
}

// Six months without enough jobs: the policy opens a case, which the case
// queries list and the alert feed reports, with its commitment, council
// and actor.
TEST_F(QueriesTest, ACaseIsListedAndAlerted) {
  clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
  const uint64_t before = store_->HeadPosition();
  auto appended = app_->policy()->Evaluate("K1");
  ASSERT_TRUE(appended.ok()) << appended.status();
  ASSERT_EQ(*appended, 2);
  ASSERT_TRUE(Settle());

  v1::ListCasesRequest list;
  list.set_council("norwich");
  auto cases = app_->cases().ListCases(kAdmin, list);
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_EQ(cases->cases_size(), 1);
  EXPECT_EQ(cases->cases(0).case_id(), "jobs#1");
  v1::GetCaseRequest get;
  get.set_contract_id("K1");
  get.set_case_id("jobs#x");
  EXPECT_EQ(app_->cases().GetCase(kAdmin, get).status().code(),
            absl::StatusCode::kInvalidArgument);

  v1::WatchAlertsRequest watch_request;
  watch_request.set_from_position(before + 1);
  watch_request.set_council("norwich");
  auto watch = app_->alerts().Watch(kAdmin, watch_request);
  ASSERT_TRUE(watch.ok()) << watch.status();
  auto slice = store_->ReadAll(watch->from_position, {.filter = watch->filter});
  ASSERT_TRUE(slice.ok()) << slice.status();
  v1::WatchAlertsResponse alerts;
  ASSERT_TRUE(app_->alerts().Select(*watch, slice->events, alerts).ok());
  ASSERT_EQ(alerts.alerts_size(), 2);  // the status change, then the case
  const v1::Alert& opened = alerts.alerts(1);
  EXPECT_EQ(opened.case_id(), "jobs#1");
  EXPECT_EQ(opened.commitment_id(), "jobs");
  EXPECT_EQ(opened.contract_id(), "K1");
  EXPECT_EQ(opened.supplier_id(), "acme");
  EXPECT_EQ(opened.actor(), "svledger-policy");
  // Another council's watch sees none of it; a position past the head is
  // refused.
  watch_request.set_council("rutland");
  watch = app_->alerts().Watch(kAdmin, watch_request);
  ASSERT_TRUE(watch.ok());
  alerts.Clear();
  ASSERT_TRUE(app_->alerts().Select(*watch, slice->events, alerts).ok());
  EXPECT_EQ(alerts.alerts_size(), 0);
  watch_request.set_from_position(store_->HeadPosition() + 2);
  EXPECT_EQ(app_->alerts().Watch(kAdmin, watch_request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The review queue: deliveries oldest report first, each with who
// reported and who decided it and why; filtered by state, paged, and only
// what the caller may see.
TEST_F(QueriesTest, DeliveriesAreListedWithWhoStandsBehindThem) {
  // A second report (pending) and a third (rejected), a day apart.
  clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
  ASSERT_TRUE(Run(&Commands::ReportDelivery,
                  testing::ReportRequest("K1", "q2", "jobs", 2, D(2025, 4, 1),
                                         D(2025, 6, 30)),
                  "supplier-acme")
                  .ok());
  clock_.Set(domain::StartOfDay(D(2025, 7, 3)));
  v1::ReportDeliveryRequest q3 = testing::ReportRequest(
      "K1", "q3", "jobs", 5, D(2025, 4, 1), D(2025, 4, 30));
  q3.mutable_delivery()->set_corrects("q2");
  ASSERT_TRUE(Run(&Commands::ReportDelivery, q3, "supplier-acme").ok());
  v1::RejectDeliveryRequest reject;
  reject.set_request_id("r3");
  reject.set_contract_id("K1");
  reject.mutable_rejection()->set_delivery_id("q3");
  reject.mutable_rejection()->set_reason("payroll shows 2, not 5");
  ASSERT_TRUE(Run(&Commands::RejectDelivery, reject, "j.smith").ok());
  ASSERT_TRUE(Settle());

  v1::ListDeliveriesRequest request;
  request.set_council("norwich");
  auto all = app_->progress().ListDeliveries(kAdmin, request);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->deliveries_size(), 3);
  EXPECT_EQ(all->total(), 3u);
  EXPECT_EQ(all->deliveries(0).report().delivery_id(), "q1");  // oldest
  EXPECT_EQ(all->deliveries(0).state(), v1::DELIVERY_VERIFIED);
  EXPECT_EQ(all->deliveries(0).reported_by(), "tester");
  EXPECT_EQ(all->deliveries(0).decided_by(), "j.smith");
  EXPECT_EQ(all->deliveries(0).unit(), v1::FTE);
  EXPECT_FALSE(all->deliveries(0).measure_wording().empty());
  const v1::DeliveryView& rejected = all->deliveries(2);
  EXPECT_EQ(rejected.report().delivery_id(), "q3");
  EXPECT_EQ(rejected.state(), v1::DELIVERY_REJECTED);
  EXPECT_EQ(rejected.reason(), "payroll shows 2, not 5");
  EXPECT_EQ(rejected.reported_by(), "supplier-acme");
  EXPECT_EQ(absl::FromUnixMicros(rejected.decided().unix_micros()),
            domain::StartOfDay(D(2025, 7, 3)));

  // The pending queue; pages of one, without overlap.
  request.set_state(v1::DELIVERY_PENDING);
  auto pending = app_->progress().ListDeliveries(kAdmin, request);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->deliveries_size(), 1);
  EXPECT_EQ(pending->deliveries(0).report().delivery_id(), "q2");
  request.clear_state();
  request.set_page_size(1);
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i) {
    auto page = app_->progress().ListDeliveries(kAdmin, request);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& d : page->deliveries()) {
      seen.push_back(d.report().delivery_id());
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("q1", "q2", "q3"));

  // A period filter: reports overlapping May 2025 only.
  v1::ListDeliveriesRequest may;
  *may.mutable_period_from() = D(2025, 5, 1);
  *may.mutable_period_to() = D(2025, 5, 31);
  auto in_may = app_->progress().ListDeliveries(kAdmin, may);
  ASSERT_TRUE(in_may.ok());
  ASSERT_EQ(in_may->deliveries_size(), 1);
  EXPECT_EQ(in_may->deliveries(0).report().delivery_id(), "q2");

  // Who may see: the supplier its own; another supplier nothing of it; an
  // unknown council or a bad token are errors naming the field.
  Caller acme;
  acme.actor = "supplier-acme";
  acme.grants.suppliers = {"acme"};
  Caller other;
  other.actor = "supplier-other";
  other.grants.suppliers = {"other"};
  EXPECT_EQ(app_->progress().ListDeliveries(acme, {})->total(), 3u);
  EXPECT_EQ(app_->progress().ListDeliveries(other, {})->total(), 0u);
  v1::ListDeliveriesRequest theirs;
  theirs.set_contract_id("K1");
  EXPECT_EQ(app_->progress().ListDeliveries(other, theirs).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::ListDeliveriesRequest nowhere;
  nowhere.set_council("nowhere");
  auto unknown = app_->progress().ListDeliveries(kAdmin, nowhere);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()),
              ::testing::HasSubstr("known: derbyshire"));
  v1::ListDeliveriesRequest bad;
  bad.set_page_token("zzz");
  EXPECT_THAT(
      std::string(
          app_->progress().ListDeliveries(kAdmin, bad).status().message()),
      ::testing::StartsWith("page_token:"));

  // The alert feed carries the reports and decisions.
  v1::WatchAlertsRequest watch_request;
  watch_request.set_from_position(1);
  auto watch = app_->alerts().Watch(kAdmin, watch_request);
  ASSERT_TRUE(watch.ok());
  auto slice = store_->ReadAll(1, {.filter = watch->filter});
  ASSERT_TRUE(slice.ok());
  v1::WatchAlertsResponse alerts;
  ASSERT_TRUE(app_->alerts().Select(*watch, slice->events, alerts).ok());
  std::vector<std::string> kinds;
  for (const v1::Alert& a : alerts.alerts()) {
    if (a.has_delivery_reported())
      kinds.push_back("reported " + a.delivery_id());
    if (a.has_delivery_verified())
      kinds.push_back("verified " + a.delivery_id());
    if (a.has_delivery_rejected()) {
      kinds.push_back("rejected " + a.delivery_id() + ": " +
                      a.delivery_rejected().reason());
    }
  }
  EXPECT_THAT(kinds, ::testing::ElementsAre(
                         "reported q1", "verified q1", "reported q2",
                         "reported q3", "rejected q3: payroll shows 2, not 5"));
}

TEST_F(QueriesTest, FrameworkFrontAndProjectionAdmin) {
  v1::PublishFrameworkRequest both;
  both.mutable_framework()->set_id("x");
  both.set_textproto("id: \"x\"");
  auto published =
      app_->frameworks().PublishFramework(Caller::System("admin"), both);
  EXPECT_EQ(published.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(published.status().message(),
            "framework: give exactly one of framework and textproto");
  // The files published at start are there, and publishing them again
  // writes nothing.
  const uint64_t head = store_->HeadPosition();
  ASSERT_TRUE(
      app_->frameworks()
          .PublishFrameworkFiles(SVLEDGER_FRAMEWORKS_DIR, Caller::System("x"))
          .ok());
  EXPECT_EQ(store_->HeadPosition(), head);
  EXPECT_EQ(app_->framework_store().List().size(), 4u);

  auto status = app_->projection_admin().Status(kAdmin, "contracts");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->applied_position(), head);
  EXPECT_EQ(app_->projection_admin().Status(kAdmin, "nope").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace svledger::app
