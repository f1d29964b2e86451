#include "domain/progress.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

v1::Date D(int y, int m, int d) { return MakeDate(y, m, d); }

// A small library: jobs (SUM, with a proxy value), hours (SUM), local
// spend (RATIO).
v1::MeasureLibrary Library() {
  v1::MeasureLibrary library;
  v1::Measure* jobs = library.add_measures();
  jobs->set_id("jobs");
  jobs->set_wording("new local jobs");
  jobs->set_unit(v1::PEOPLE);
  jobs->set_aggregation(v1::SUM);
  jobs->mutable_proxy()->set_gbp_per_unit(1000.5);
  jobs->mutable_proxy()->set_source("test");
  v1::Measure* hours = library.add_measures();
  hours->set_id("hours");
  hours->set_unit(v1::HOURS);
  hours->set_aggregation(v1::SUM);
  v1::Measure* spend = library.add_measures();
  spend->set_id("spend");
  spend->set_unit(v1::PERCENT);
  spend->set_aggregation(v1::RATIO);
  return library;
}

// A two-year contract from 2025-01-01 with commitments (id, measure,
// target) due at its end, and verified deliveries (commitment, quantity,
// denominator).
ContractState Contract(
    const std::string& id, const std::string& supplier,
    std::vector<std::tuple<std::string, std::string, double>> commitments,
    std::vector<std::tuple<std::string, double, double>> deliveries) {
  ContractState s;
  s.registered = true;
  s.contract.set_contract_id(id);
  s.contract.mutable_framework()->set_id("shire");
  s.contract.mutable_framework()->set_version(1);
  s.contract.set_supplier_id(supplier);
  s.contract.set_supplier_name(supplier + " Ltd");
  *s.contract.mutable_start() = D(2025, 1, 1);
  *s.contract.mutable_end() = D(2026, 12, 31);
  for (const auto& [cid, measure, target] : commitments) {
    CommitmentRecord& c = s.commitments[cid];
    c.terms.set_commitment_id(cid);
    c.terms.set_measure_id(measure);
    c.terms.set_target(Decimal::FromLegacyDouble(target).ToString());
    c.target = Decimal::FromLegacyDouble(target);
    *c.terms.mutable_start() = D(2025, 1, 1);
    *c.terms.mutable_due() = D(2026, 12, 31);
  }
  int n = 0;
  for (const auto& [cid, quantity, denominator] : deliveries) {
    DeliveryRecord& d = s.deliveries["d" + std::to_string(++n)];
    d.report.set_commitment_id(cid);
    d.quantity = Decimal::FromLegacyDouble(quantity);
    d.denominator = Decimal::FromLegacyDouble(denominator);
    d.report.set_quantity(d.quantity.ToString());
    *d.report.mutable_period_end() = D(2025, 6, 30);
    d.state = DeliveryState::kVerified;
  }
  return s;
}

// Halfway through the two years.
const absl::Time kMidway = StartOfDay(D(2026, 1, 1));

TEST(ProgressTest, ContractFiguresStatusScoreAndPounds) {
  const v1::MeasureLibrary library = Library();
  ContractState s =
      Contract("K1", "acme", {{"a", "jobs", 10}, {"b", "hours", 100}},
               {{"a", 6, 0}, {"b", 20, 0}});
  s.deliveries["p"].report.set_commitment_id("b");
  s.deliveries["p"].quantity = Decimal::FromInt(7);  // pending
  v1::ContractProgress p = BuildContractProgress(s, library, kMidway);
  ASSERT_EQ(p.commitments_size(), 2);
  const v1::CommitmentProgress& jobs = p.commitments(0);
  EXPECT_EQ(jobs.delivered(), "6");
  EXPECT_EQ(jobs.expected(), "5");  // half of 10
  EXPECT_EQ(jobs.status(), v1::ON_TRACK);
  EXPECT_EQ(jobs.percent_of_target(), "60");
  EXPECT_TRUE(jobs.has_proxy_value());
  EXPECT_EQ(jobs.gbp_promised().pence(), 1000500);  // 10 x £1000.50
  EXPECT_EQ(jobs.gbp_delivered().pence(), 600300);  // 6 x £1000.50
  EXPECT_EQ(jobs.unit(), v1::PEOPLE);
  const v1::CommitmentProgress& hours = p.commitments(1);
  EXPECT_EQ(hours.delivered(), "20");
  EXPECT_EQ(hours.pending(), "7");
  EXPECT_EQ(hours.status(), v1::OFF_TRACK);  // 20 of an expected ~50
  EXPECT_FALSE(hours.has_proxy_value());
  EXPECT_EQ(p.status(), v1::OFF_TRACK);  // the worst
  EXPECT_DOUBLE_EQ(p.delivery_score(), (0.6 + 0.2) / 2);
  EXPECT_EQ(p.gbp_promised().pence(), 1000500);
  EXPECT_EQ(p.gbp_delivered().pence(), 600300);
}

TEST(ProgressTest, CouncilRollupByThemeOutcomeAndMeasure) {
  v1::Framework f;
  f.set_id("shire");
  f.set_version(1);
  v1::Theme* work = f.add_themes();
  work->set_id("work");
  v1::Outcome* o1 = work->add_outcomes();
  o1->set_id("o1");
  o1->add_measures()->set_measure_id("jobs");
  v1::Outcome* o2 = work->add_outcomes();
  o2->set_id("o2");
  o2->add_measures()->set_measure_id("jobs");  // jobs serve two outcomes
  o2->add_measures()->set_measure_id("spend");
  v1::Theme* green = f.add_themes();
  green->set_id("green");
  green->add_outcomes()->set_id("o3");  // nothing committed

  const v1::MeasureLibrary library = Library();
  std::vector<v1::ContractProgress> contracts = {
      BuildContractProgress(
          Contract("K1", "acme", {{"a", "jobs", 10}, {"b", "hours", 100}},
                   {{"a", 6, 0}}),
          library, kMidway),
      BuildContractProgress(
          Contract("K2", "beta", {{"a", "jobs", 30}, {"s", "spend", 40}},
                   {{"a", 30, 0}, {"s", 30, 100}, {"s", 10, 100}}),
          library, kMidway)};
  v1::CouncilSummary s = BuildCouncilSummary(
      f, [&](const std::string&, uint32_t) { return &f; }, contracts);

  EXPECT_EQ(s.total().contracts(), 2u);
  EXPECT_EQ(s.total().commitments(), 4u);
  EXPECT_EQ(s.total().statuses().met(), 1u);  // K2's jobs
  ASSERT_EQ(s.themes_size(), 2);
  // Three commitments in "work", each once although jobs are in o1 and o2.
  EXPECT_EQ(s.themes(0).rollup().commitments(), 3u);
  EXPECT_EQ(s.themes(0).outcomes(0).rollup().commitments(), 2u);
  EXPECT_EQ(s.themes(0).outcomes(1).rollup().commitments(), 3u);
  EXPECT_EQ(s.themes(1).rollup().commitments(), 0u);
  // Hours are named by no outcome.
  EXPECT_EQ(s.unmapped().commitments(), 1u);
  // Measures: jobs summed, spend (RATIO) averaged.
  ASSERT_EQ(s.measures_size(), 3);
  const v1::MeasureRollup& jobs = s.measures(1);  // hours, jobs, spend
  EXPECT_EQ(jobs.measure_id(), "jobs");
  EXPECT_EQ(jobs.target(), "40");
  EXPECT_EQ(jobs.delivered(), "36");
  const v1::MeasureRollup& spend = s.measures(2);
  EXPECT_EQ(spend.target(), "40");
  EXPECT_EQ(spend.delivered(), "20");  // 100 x 40 / 200
  // The outcome lists every measure it names, committed to or not.
  EXPECT_EQ(s.themes(0).outcomes(1).measures_size(), 2);
}

TEST(ProgressTest, SupplierScorecardAcrossContracts) {
  const v1::MeasureLibrary library = Library();
  std::vector<v1::ContractProgress> contracts = {
      BuildContractProgress(
          Contract("K1", "acme", {{"a", "jobs", 10}}, {{"a", 4, 0}}), library,
          kMidway),
      BuildContractProgress(
          Contract("K2", "acme", {{"a", "jobs", 20}}, {{"a", 20, 0}}), library,
          kMidway)};
  v1::SupplierScorecard s = BuildSupplierScorecard("acme", contracts);
  EXPECT_EQ(s.supplier_name(), "acme Ltd");
  EXPECT_EQ(s.contracts_size(), 2);
  EXPECT_EQ(s.total().contracts(), 2u);
  ASSERT_EQ(s.measures_size(), 1);
  EXPECT_EQ(s.measures(0).target(), "30");
  EXPECT_EQ(s.measures(0).delivered(), "24");
  EXPECT_EQ(s.total().gbp_delivered().pence(), 2401200);  // 24 x £1000.50
}

TEST(ProgressTest, PendingClaimsAreAggregatedLikeTheMeasure) {
  const v1::MeasureLibrary library = Library();
  ContractState s = Contract("K1", "acme", {{"s", "spend", 30}}, {});
  for (auto [id, q, d] : {std::tuple{"p1", 30.0, 100.0}, {"p2", 10.0, 100.0}}) {
    DeliveryRecord& r = s.deliveries[id];
    r.report.set_commitment_id("s");
    r.quantity = Decimal::FromLegacyDouble(q);
    r.denominator = Decimal::FromLegacyDouble(d);
  }
  v1::ContractProgress p = BuildContractProgress(s, library, kMidway);
  // A share of the pending claims (40 of 200 = 20%), not a sum of pounds.
  EXPECT_EQ(p.commitments(0).pending(), "20");
  EXPECT_EQ(p.commitments(0).delivered(), "0");
}

TEST(ProgressTest, WithdrawnCommitmentsCountApart) {
  const v1::MeasureLibrary library = Library();
  ContractState s = Contract(
      "K1", "acme", {{"a", "jobs", 10}, {"b", "hours", 100}}, {{"a", 10, 0}});
  s.commitments["b"].withdrawn = true;
  v1::ContractProgress p = BuildContractProgress(s, library, kMidway);
  EXPECT_EQ(p.commitments(1).status(), v1::WITHDRAWN);
  EXPECT_EQ(p.status(), v1::MET);
  EXPECT_DOUBLE_EQ(p.delivery_score(), 1.0);
  v1::ContractSummary summary = Summarize(p);
  EXPECT_EQ(summary.status(), v1::MET);
  EXPECT_EQ(summary.commitments(), 2u);
}

}  // namespace
}  // namespace svledger::domain
