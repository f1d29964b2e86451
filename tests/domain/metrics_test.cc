// The council's domain metric samples: bounded labels, every status,
// rating and stage listed (zeros included, so dashboards never show gaps).

#include "domain/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

double ValueOf(const std::vector<MetricSample>& samples, const Labels& labels) {
  for (const MetricSample& s : samples) {
    if (s.labels == labels) return s.value;
  }
  ADD_FAILURE() << "no sample with those labels";
  return -1;
}

TEST(CouncilMetricsTest, FromTheSummaryContractsAndCases) {
  v1::CouncilSummary summary;
  summary.set_council("rutland");
  v1::ThemeRollup* theme = summary.add_themes();
  theme->set_theme_id("jobs");
  theme->mutable_rollup()->mutable_gbp_promised()->set_pence(1000000);
  theme->mutable_rollup()->mutable_gbp_delivered()->set_pence(250000);
  v1::OutcomeRollup* outcome = theme->add_outcomes();
  outcome->set_outcome_id("local_jobs");
  v1::MeasureRollup* m = outcome->add_measures();
  m->set_measure_id("jobs.new_local");
  m->set_unit(v1::FTE);
  m->set_target("40");
  m->set_delivered("12.5");
  m->mutable_rollup()->set_commitments(2);
  summary.mutable_total()->mutable_statuses()->set_on_track(3);
  summary.mutable_total()->mutable_statuses()->set_missed(1);
  // A theme without proxy values has no £ samples.
  summary.add_themes()->set_theme_id("green");

  std::vector<v1::ContractProgress> contracts(3);
  contracts[0].set_rating(v1::GOOD);
  contracts[1].set_rating(v1::GOOD);
  contracts[2].set_rating(v1::KPI_RATING_UNSPECIFIED);
  std::vector<v1::EnforcementCase> cases(3);
  cases[0].set_state(v1::CASE_OPEN);
  cases[0].set_stage(v1::NOTICE);
  cases[0].set_overdue(true);
  cases[1].set_state(v1::CASE_OPEN);
  cases[1].set_stage(v1::FINANCIAL_REMEDY);
  cases[2].set_state(v1::CASE_CLOSED);  // not counted
  cases[2].set_stage(v1::NOTICE);

  const CouncilMetrics out = BuildCouncilMetrics(summary, contracts, cases);
  const Labels measure = {{"council", "rutland"},
                          {"theme", "jobs"},
                          {"outcome", "local_jobs"},
                          {"measure", "jobs.new_local"},
                          {"unit", "FTE"}};
  EXPECT_EQ(ValueOf(out.delivered, measure), 12.5);
  EXPECT_EQ(ValueOf(out.target, measure), 40);
  ASSERT_EQ(out.gbp.size(), 2u);
  EXPECT_EQ(ValueOf(out.gbp, {{"council", "rutland"},
                              {"theme", "jobs"},
                              {"kind", "promised"}}),
            10000);
  EXPECT_EQ(ValueOf(out.gbp, {{"council", "rutland"},
                              {"theme", "jobs"},
                              {"kind", "delivered"}}),
            2500);
  EXPECT_EQ(out.commitments.size(), 6u);
  EXPECT_EQ(ValueOf(out.commitments,
                    {{"council", "rutland"}, {"status", "ON_TRACK"}}),
            3);
  EXPECT_EQ(
      ValueOf(out.commitments, {{"council", "rutland"}, {"status", "AT_RISK"}}),
      0);
  EXPECT_EQ(out.contracts.size(), 5u);
  EXPECT_EQ(
      ValueOf(out.contracts, {{"council", "rutland"}, {"rating", "GOOD"}}), 2);
  EXPECT_EQ(
      ValueOf(out.contracts, {{"council", "rutland"}, {"rating", "UNRATED"}}),
      1);
  EXPECT_EQ(out.cases_open.size(), 5u);
  EXPECT_EQ(
      ValueOf(out.cases_open, {{"council", "rutland"}, {"stage", "NOTICE"}}),
      1);
  EXPECT_EQ(ValueOf(out.cases_open,
                    {{"council", "rutland"}, {"stage", "PERFORMANCE_NOTICE"}}),
            0);
  EXPECT_EQ(ValueOf(out.cases_overdue, {{"council", "rutland"}}), 1);
}

// Only measures something is promised towards have series: a measure
// without a live commitment (none, or all withdrawn) has none, so neither
// has its outcome or theme if it was their only one; no 0 / 0 for a
// dashboard to show as NaN. Every series has a unit and named labels.
TEST(CouncilMetricsTest, MeasuresWithoutCommitmentsAreAbsentAndAllAreNamed) {
  v1::CouncilSummary summary;
  summary.set_council("norwich");
  v1::ThemeRollup* people = summary.add_themes();
  people->set_theme_id("people");
  people->set_name("People living well");
  v1::OutcomeRollup* o1 = people->add_outcomes();
  o1->set_outcome_id("o1");
  o1->set_name("Increased employment");
  v1::MeasureRollup* promised = o1->add_measures();
  promised->set_measure_id("activities.count");
  promised->set_wording("Activities run");
  promised->set_unit(v1::UNIT_UNSPECIFIED);
  promised->set_target("4");
  promised->set_delivered("1");
  promised->mutable_rollup()->set_commitments(1);
  v1::MeasureRollup* none = o1->add_measures();  // no commitment at all
  none->set_measure_id("jobs.new_local");
  none->set_target("0");
  none->set_delivered("0");
  v1::ThemeRollup* places = summary.add_themes();
  places->set_theme_id("places");
  v1::MeasureRollup* withdrawn = places->add_outcomes()->add_measures();
  withdrawn->set_measure_id("trees.planted");
  withdrawn->set_unit(v1::COUNT);
  withdrawn->set_target("0");
  withdrawn->mutable_rollup()->set_commitments(1);
  withdrawn->mutable_rollup()->mutable_statuses()->set_withdrawn(1);

  const CouncilMetrics out = BuildCouncilMetrics(summary, {}, {});
  const Labels measure = {{"council", "norwich"},
                          {"theme", "people"},
                          {"outcome", "o1"},
                          {"measure", "activities.count"},
                          {"unit", "COUNT"}};
  ASSERT_EQ(out.delivered.size(), 1u);
  ASSERT_EQ(out.target.size(), 1u);
  EXPECT_EQ(out.delivered[0].labels, measure);
  EXPECT_EQ(out.target[0].labels, measure);
  EXPECT_EQ(out.target[0].value, 4);
  ASSERT_EQ(out.measure_info.size(), 1u);
  EXPECT_EQ(out.measure_info[0].labels,
            (Labels{{"council", "norwich"},
                    {"theme", "people"},
                    {"outcome", "o1"},
                    {"measure", "activities.count"},
                    {"theme_name", "People living well"},
                    {"outcome_name", "Increased employment"},
                    {"measure_name", "Activities run"},
                    {"unit", "COUNT"}}));
  EXPECT_EQ(out.measure_info[0].value, 1);
  EXPECT_EQ(MetricUnit(v1::UNIT_UNSPECIFIED), "COUNT");
  EXPECT_EQ(MetricUnit(v1::GBP), "GBP");
}

}  // namespace
}  // namespace svledger::domain
