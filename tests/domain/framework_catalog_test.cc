#include "domain/framework_catalog.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

std::string ReadFrameworkFile(const std::string& name) {
  std::ifstream in(std::string(SVLEDGER_FRAMEWORKS_DIR) + "/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

v1::MeasureLibrary Library() {
  auto library =
      ParseMeasureLibrary(ReadFrameworkFile("measures.textproto"), "measures");
  EXPECT_TRUE(library.ok()) << library.status();
  return library.ok() ? *library : v1::MeasureLibrary();
}

struct Expected {
  std::string file;
  std::string id;
  int themes;
  int outcomes;
};

// The counts each seed gives (see the issue and ../shared/seeds).
TEST(FrameworkCatalogTest, EachCouncilMatchesItsSeed) {
  const v1::MeasureLibrary library = Library();
  for (const Expected& e : std::vector<Expected>{
           {"derbyshire.textproto", "derbyshire", 5, 12},
           {"norwich.textproto", "norwich", 3, 12},
           {"lancashire.textproto", "lancashire", 5, 7},
           {"rutland.textproto", "rutland", 4, 4},
       }) {
    auto framework = ParseFramework(ReadFrameworkFile(e.file), library, e.file);
    ASSERT_TRUE(framework.ok()) << framework.status();
    EXPECT_EQ(framework->id(), e.id);
    EXPECT_EQ(framework->version(), 1u);
    FrameworkCounts counts = Count(*framework);
    EXPECT_EQ(counts.themes, e.themes) << e.file;
    EXPECT_EQ(counts.outcomes, e.outcomes) << e.file;
    EXPECT_GT(counts.distinct_measures, 3) << e.file;
    for (const v1::Theme& theme : framework->themes()) {
      for (const v1::Outcome& outcome : theme.outcomes()) {
        EXPECT_FALSE(outcome.measures().empty())
            << e.file << " " << outcome.name();
      }
    }
  }
}

TEST(FrameworkCatalogTest, DerbyshireOutcomesAreNumberedOneToTwelve) {
  auto framework = ParseFramework(ReadFrameworkFile("derbyshire.textproto"),
                                  Library(), "derbyshire");
  ASSERT_TRUE(framework.ok()) << framework.status();
  int n = 0;
  for (const v1::Theme& theme : framework->themes()) {
    for (const v1::Outcome& outcome : theme.outcomes()) {
      ++n;
      EXPECT_EQ(outcome.name().rfind("Outcome " + std::to_string(n) + " ", 0),
                0u)
          << outcome.name();
    }
  }
}

TEST(FrameworkCatalogTest, RutlandSaysItsMeasuresAreOurMappingNotTheToms) {
  auto framework = ParseFramework(ReadFrameworkFile("rutland.textproto"),
                                  Library(), "rutland");
  ASSERT_TRUE(framework.ok()) << framework.status();
  bool says_so = false;
  for (const std::string& note : framework->notes()) {
    says_so = says_so || note.find("TOMs") != std::string::npos;
  }
  EXPECT_TRUE(says_so);
}

TEST(MeasureLibraryTest, HasEveryUnitAndNoBundledProxyValues) {
  const v1::MeasureLibrary library = Library();
  std::set<int> units;
  std::set<int> aggregations;
  for (const v1::Measure& m : library.measures()) {
    units.insert(m.unit());
    aggregations.insert(m.aggregation());
    EXPECT_FALSE(m.has_proxy()) << m.id();
  }
  for (v1::Unit unit :
       {v1::PEOPLE, v1::FTE, v1::WEEKS, v1::DAYS, v1::HOURS, v1::GBP,
        v1::PERCENT, v1::TONNES_CO2E, v1::KWH, v1::CUBIC_METRES, v1::COUNT}) {
    EXPECT_TRUE(units.count(unit)) << v1::Unit_Name(unit);
  }
  EXPECT_EQ(aggregations, (std::set<int>{v1::SUM, v1::LATEST, v1::RATIO}));
}

TEST(MeasureLibraryTest, RejectsBrokenMeasuresByName) {
  EXPECT_EQ(ParseMeasureLibrary("measures { id: \"a\" wording: \"w\" unit: "
                                "PEOPLE aggregation: SUM }\n"
                                "measures { id: \"a\" wording: \"w\" unit: "
                                "PEOPLE aggregation: SUM }")
                .status()
                .message(),
            "measures: measures[1].id: 'a' appears twice");
  auto ratio = ParseMeasureLibrary(
      "measures { id: \"r\" wording: \"w\" unit: GBP aggregation: RATIO }");
  EXPECT_EQ(ratio.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(ratio.status().message().find("measure 'r'"), std::string::npos);
  auto syntax = ParseMeasureLibrary("measures { id: \"x\"\n  unit: LITRES }",
                                    "lib.textproto");
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.status().message().find("lib.textproto: line 2"),
            std::string::npos)
      << syntax.status();
}

TEST(FrameworkCatalogTest, RejectsUnknownMeasuresAndDuplicateIds) {
  const v1::MeasureLibrary library = Library();
  auto unknown = ParseFramework(
      "id: \"x\" version: 1 council: \"C\" themes { id: \"t\" name: \"T\" "
      "outcomes { id: \"o1\" name: \"O\" measures { measure_id: \"nope\" } } }",
      library, "x.textproto");
  EXPECT_EQ(unknown.status().message(),
            "x.textproto: themes[0].outcomes[0].measures[0].measure_id: 'nope' "
            "is not in the measure library");
  auto duplicate = ParseFramework(
      "id: \"x\" version: 1 council: \"C\" "
      "themes { id: \"t\" name: \"T\" outcomes { id: \"o1\" name: \"O\" } } "
      "themes { id: \"u\" name: \"U\" outcomes { id: \"o1\" name: \"P\" } }",
      library, "x.textproto");
  EXPECT_NE(duplicate.status().message().find("themes[1].outcomes[0].id"),
            std::string::npos)
      << duplicate.status();
  EXPECT_EQ(ParseFramework("id: \"x\" council: \"C\"", library, "x")
                .status()
                .message(),
            "x: version: must be 1 or more");
}

// Framework, theme, outcome and measure ids name streams, files and
// metric labels: they follow the one id rule.
TEST(FrameworkCatalogTest, IdsFollowTheIdRule) {
  const v1::MeasureLibrary library = Library();
  for (const char* id : {"../../etc/passwd", "a\\nb", "a b", ""}) {
    auto parsed = ParseFramework(
        absl::StrCat("id: \"", id,
                     "\" version: 1 council: \"C\" themes { id: \"t\" "
                     "name: \"T\" outcomes { id: \"o1\" name: \"O\" } }"),
        library, "x.textproto");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "x.textproto: id"))
        << parsed.status();
  }
  auto theme = ParseFramework(
      "id: \"x\" version: 1 council: \"C\" themes { id: \"t/../u\" "
      "name: \"T\" outcomes { id: \"o1\" name: \"O\" } }",
      library, "x.textproto");
  EXPECT_TRUE(
      absl::StartsWith(theme.status().message(), "x.textproto: themes[0].id"))
      << theme.status();
  auto outcome = ParseFramework(
      "id: \"x\" version: 1 council: \"C\" themes { id: \"t\" "
      "name: \"T\" outcomes { id: \"o\\n1\" name: \"O\" } }",
      library, "x.textproto");
  EXPECT_TRUE(absl::StartsWith(outcome.status().message(),
                               "x.textproto: themes[0].outcomes[0].id"))
      << outcome.status();
  v1::MeasureLibrary bad = library;
  bad.mutable_measures(0)->set_id("jobs/../x");
  absl::Status measure = ValidateMeasureLibrary(bad, "measures.textproto");
  EXPECT_TRUE(
      absl::StartsWith(measure.message(), "measures.textproto: measures[0].id"))
      << measure;
}

TEST(FrameworkCatalogTest, AnEscalationLadderMustClimb) {
  const v1::MeasureLibrary library = Library();
  const std::string base =
      "id: \"x\" version: 1 council: \"C\" themes { id: \"t\" name: \"T\" "
      "outcomes { id: \"o1\" name: \"O\" } } ";
  auto parse = [&](const std::string& ladder) {
    return ParseFramework(base + ladder, library, "x");
  };
  auto ok = parse(
      "escalation { stages: NOTICE stages: PERFORMANCE_NOTICE "
      "stages: TERMINATION_RECOMMENDED stage_days: 14 }");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->escalation().stages_size(), 3);
  EXPECT_EQ(
      parse("escalation { stages: NOTICE stages: NOTICE }").status().message(),
      "x: escalation.stages[1]: stages must climb: each more severe "
      "than the last");
  EXPECT_EQ(parse("escalation { stages: FINANCIAL_REMEDY stages: NOTICE }")
                .status()
                .message(),
            "x: escalation.stages[1]: stages must climb: each more severe "
            "than the last");
  EXPECT_EQ(parse("escalation { stages: ENFORCEMENT_STAGE_UNSPECIFIED }")
                .status()
                .message(),
            "x: escalation.stages[0]: unknown stage 0");
  EXPECT_EQ(parse("escalation { stage_days: 366 }").status().message(),
            "x: escalation.stage_days: at most 365");
}

}  // namespace
}  // namespace svledger::domain
