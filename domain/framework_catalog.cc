#include "domain/framework_catalog.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace svledger::domain {
namespace {

// Collects the text parser's complaints instead of printing them.
class CollectingErrors final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ",
                            message);
    }
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

absl::Status ParseText(absl::string_view text, absl::string_view file_name,
                       google::protobuf::Message* out) {
  google::protobuf::TextFormat::Parser parser;
  CollectingErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), out)) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": ", errors.first()));
  }
  return absl::OkStatus();
}

// The longest a ladder may give a case at one stage.
constexpr uint32_t kMaxStageDays = 365;

absl::Status Invalid(absl::string_view file_name, absl::string_view field,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(file_name, ": ", field, ": ", why));
}

// A ladder climbs: known stages, each more severe than the one before.
absl::Status ValidateLadder(const v1::EscalationLadder& ladder,
                            absl::string_view file_name) {
  int previous = v1::ENFORCEMENT_STAGE_UNSPECIFIED;
  for (int i = 0; i < ladder.stages_size(); ++i) {
    const int stage = ladder.stages(i);
    const std::string field = absl::StrCat("escalation.stages[", i, "]");
    if (stage == v1::ENFORCEMENT_STAGE_UNSPECIFIED ||
        !v1::EnforcementStage_IsValid(stage)) {
      return Invalid(file_name, field, absl::StrCat("unknown stage ", stage));
    }
    if (stage <= previous) {
      return Invalid(file_name, field,
                     "stages must climb: each more severe than the last");
    }
    previous = stage;
  }
  if (ladder.stage_days() > kMaxStageDays) {
    return Invalid(file_name, "escalation.stage_days",
                   absl::StrCat("at most ", kMaxStageDays));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::MeasureLibrary> ParseMeasureLibrary(
    absl::string_view text, absl::string_view file_name) {
  v1::MeasureLibrary library;
  if (absl::Status s = ParseText(text, file_name, &library); !s.ok()) return s;
  if (absl::Status s = ValidateMeasureLibrary(library, file_name); !s.ok()) {
    return s;
  }
  return library;
}

absl::Status ValidateMeasureLibrary(const v1::MeasureLibrary& library,
                                    absl::string_view file_name) {
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < library.measures_size(); ++i) {
    const v1::Measure& m = library.measures(i);
    const std::string field = absl::StrCat("measures[", i, "]");
    if (m.id().empty()) return Invalid(file_name, field + ".id", "required");
    if (absl::Status s = CheckId(m.id(), field + ".id"); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ": ", s.message()));
    }
    if (!ids.insert(m.id()).second) {
      return Invalid(file_name, field + ".id",
                     absl::StrCat("'", m.id(), "' appears twice"));
    }
    const std::string named = absl::StrCat("measure '", m.id(), "'");
    if (m.wording().empty()) {
      return Invalid(file_name, named + ".wording", "required");
    }
    if (m.unit() == v1::UNIT_UNSPECIFIED) {
      return Invalid(file_name, named + ".unit", "required");
    }
    if (m.aggregation() == v1::AGGREGATION_UNSPECIFIED) {
      return Invalid(file_name, named + ".aggregation", "required");
    }
    if (m.aggregation() == v1::RATIO &&
        (m.unit() != v1::PERCENT || m.numerator().empty() ||
         m.denominator().empty())) {
      return Invalid(file_name, named,
                     "a RATIO measure is in PERCENT and names its numerator "
                     "and denominator");
    }
    if (m.has_proxy() &&
        (m.proxy().gbp_per_unit() < 0 || m.proxy().source().empty())) {
      return Invalid(file_name, named + ".proxy",
                     "gbp_per_unit must be >= 0 and source is required");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Framework> ParseFramework(absl::string_view text,
                                             const v1::MeasureLibrary& library,
                                             absl::string_view file_name) {
  v1::Framework framework;
  if (absl::Status s = ParseText(text, file_name, &framework); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateFramework(framework, library, file_name);
      !s.ok()) {
    return s;
  }
  return framework;
}

absl::Status ValidateFramework(const v1::Framework& framework,
                               const v1::MeasureLibrary& library,
                               absl::string_view file_name) {
  // The one id rule: no path separators, NUL or newlines in what names
  // streams, files and metric labels.
  if (absl::Status s = CheckId(framework.id(), "id"); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": ", s.message()));
  }
  if (framework.council().empty()) {
    return Invalid(file_name, "council", "required");
  }
  if (framework.version() < 1) {
    return Invalid(file_name, "version", "must be 1 or more");
  }
  if (framework.themes().empty()) {
    return Invalid(file_name, "themes", "at least one required");
  }
  absl::flat_hash_set<std::string> measure_ids;
  for (const v1::Measure& m : library.measures()) measure_ids.insert(m.id());
  absl::flat_hash_set<std::string> theme_ids, outcome_ids;
  for (int t = 0; t < framework.themes_size(); ++t) {
    const v1::Theme& theme = framework.themes(t);
    const std::string tf = absl::StrCat("themes[", t, "]");
    if (theme.id().empty() || theme.name().empty()) {
      return Invalid(file_name, tf, "id and name are required");
    }
    if (absl::Status s = CheckId(theme.id(), tf + ".id"); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ": ", s.message()));
    }
    if (!theme_ids.insert(theme.id()).second) {
      return Invalid(file_name, tf + ".id",
                     absl::StrCat("'", theme.id(), "' appears twice"));
    }
    if (theme.outcomes().empty()) {
      return Invalid(file_name, tf + ".outcomes", "at least one required");
    }
    for (int o = 0; o < theme.outcomes_size(); ++o) {
      const v1::Outcome& outcome = theme.outcomes(o);
      const std::string of = absl::StrCat(tf, ".outcomes[", o, "]");
      if (outcome.id().empty() || outcome.name().empty()) {
        return Invalid(file_name, of, "id and name are required");
      }
      if (absl::Status s = CheckId(outcome.id(), of + ".id"); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_name, ": ", s.message()));
      }
      if (!outcome_ids.insert(outcome.id()).second) {
        return Invalid(file_name, of + ".id",
                       absl::StrCat("'", outcome.id(), "' appears twice"));
      }
      for (int m = 0; m < outcome.measures_size(); ++m) {
        const std::string& id = outcome.measures(m).measure_id();
        if (!measure_ids.contains(id)) {
          return Invalid(
              file_name, absl::StrCat(of, ".measures[", m, "].measure_id"),
              absl::StrCat("'", id, "' is not in the measure library"));
        }
      }
    }
  }
  return ValidateLadder(framework.escalation(), file_name);
}

FrameworkCounts Count(const v1::Framework& framework) {
  FrameworkCounts counts;
  absl::flat_hash_set<std::string> distinct;
  counts.themes = framework.themes_size();
  for (const v1::Theme& theme : framework.themes()) {
    counts.outcomes += theme.outcomes_size();
    for (const v1::Outcome& outcome : theme.outcomes()) {
      counts.measure_refs += outcome.measures_size();
      for (const v1::MeasureRef& ref : outcome.measures()) {
        distinct.insert(ref.measure_id());
      }
    }
  }
  counts.distinct_measures = static_cast<int>(distinct.size());
  return counts;
}

const v1::Measure* FindMeasure(const v1::MeasureLibrary& library,
                               absl::string_view id) {
  for (const v1::Measure& m : library.measures()) {
    if (m.id() == id) return &m;
  }
  return nullptr;
}

}  // namespace svledger::domain
