#include "domain/publication.h"

#include "absl/strings/str_cat.h"
#include "domain/framework_catalog.h"
#include "google/protobuf/util/message_differencer.h"

namespace svledger::domain {

absl::StatusOr<std::optional<uint64_t>> DecidePublication(
    const std::map<uint32_t, PublishedVersion>& published,
    const google::protobuf::Message& proposed, uint32_t version,
    const std::string& what) {
  const uint32_t latest = published.empty() ? 0 : published.rbegin()->first;
  if (auto it = published.find(version); it != published.end()) {
    if (google::protobuf::util::MessageDifferencer::Equals(*it->second.content,
                                                           proposed)) {
      return it->second.position;
    }
    return absl::AlreadyExistsError(absl::StrCat(
        "version: ", what, " version ", version,
        " is published and is never rewritten; publish version ", latest + 1));
  }
  if (version != latest + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("version: the next ", what, " version is ", latest + 1,
                     ", not ", version));
  }
  return std::nullopt;
}

absl::Status CheckLibraryKeepsMeasures(
    const v1::MeasureLibrary& proposed,
    const std::vector<PinnedFramework>& live) {
  for (const PinnedFramework& pinned : live) {
    const v1::Framework& f = *pinned.framework;
    for (const v1::Theme& theme : f.themes()) {
      for (const v1::Outcome& outcome : theme.outcomes()) {
        for (const v1::MeasureRef& ref : outcome.measures()) {
          const std::string in_use =
              absl::StrCat("measure '", ref.measure_id(),
                           "' is named by framework '", f.id(), "' version ",
                           f.version(), " (outcome '", outcome.id(), "')");
          const v1::Measure* now = FindMeasure(proposed, ref.measure_id());
          if (now == nullptr) {
            return absl::FailedPreconditionError(absl::StrCat(
                "measures: ", in_use,
                " and cannot be removed; publish a framework version that "
                "no longer names it first"));
          }
          const v1::Measure* before =
              pinned.library == nullptr
                  ? nullptr
                  : FindMeasure(*pinned.library, ref.measure_id());
          if (before != nullptr &&
              (before->unit() != now->unit() ||
               before->aggregation() != now->aggregation())) {
            return absl::FailedPreconditionError(absl::StrCat(
                "measures: ", in_use, " as ", v1::Unit_Name(before->unit()),
                "/", v1::Aggregation_Name(before->aggregation()),
                " and cannot be retyped to ", v1::Unit_Name(now->unit()), "/",
                v1::Aggregation_Name(now->aggregation()),
                "; add a measure with a new id instead"));
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace svledger::domain
