#include "app/frameworks.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/access_policy.h"
#include "domain/framework_catalog.h"
#include "domain/weighting.h"

namespace svledger::app {
namespace {

// The largest text-format file accepted, and the most objectives.
constexpr size_t kMaxTextprotoBytes = 4 << 20;
constexpr int kMaxObjectives = 20;
// The framework whose themes are Lancashire's objectives.
constexpr char kLancashire[] = "lancashire";

// Exactly one of `message` (set) and `text` (non-empty).
absl::Status ExactlyOne(bool has_message, const std::string& text,
                        absl::string_view message_field) {
  if (has_message == !text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(message_field, ": give exactly one of ", message_field,
                     " and textproto"));
  }
  if (text.size() > kMaxTextprotoBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("textproto: larger than ", kMaxTextprotoBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

v1::PublishResponse ToResponse(const FrameworkStore::Published& published,
                               uint32_t version) {
  v1::PublishResponse response;
  response.set_position(published.position);
  response.set_already(published.already);
  response.set_version(version);
  return response;
}

}  // namespace

absl::StatusOr<v1::PublishResponse> Frameworks::PublishMeasureLibrary(
    const Caller& caller, const v1::PublishMeasureLibraryRequest& request) {
  if (absl::Status s = MayDo(caller, Operation::kPublishFrameworks); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ExactlyOne(request.has_library(), request.textproto(), "library");
      !s.ok()) {
    return s;
  }
  v1::MeasureLibrary library;
  if (request.has_library()) {
    library = request.library();
    if (absl::Status s = domain::ValidateMeasureLibrary(library, "library");
        !s.ok()) {
      return s;
    }
  } else {
    absl::StatusOr<v1::MeasureLibrary> parsed =
        domain::ParseMeasureLibrary(request.textproto(), "textproto");
    if (!parsed.ok()) return parsed.status();
    library = *std::move(parsed);
  }
  absl::StatusOr<FrameworkStore::Published> published =
      frameworks_->PublishLibrary(library, caller.actor,
                                  caller.authenticated_by);
  if (!published.ok()) return published.status();
  return ToResponse(*published, library.version());
}

absl::StatusOr<v1::PublishResponse> Frameworks::PublishFramework(
    const Caller& caller, const v1::PublishFrameworkRequest& request) {
  if (absl::Status s = MayDo(caller, Operation::kPublishFrameworks); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ExactlyOne(request.has_framework(), request.textproto(), "framework");
      !s.ok()) {
    return s;
  }
  std::shared_ptr<const v1::MeasureLibrary> library = frameworks_->Library();
  if (library == nullptr) {
    return absl::FailedPreconditionError(
        "framework: publish a measure library first");
  }
  v1::Framework framework;
  if (request.has_framework()) {
    // Checked by the store against the library it pins (the latest unless
    // measure_library_version names another).
    framework = request.framework();
  } else {
    absl::StatusOr<v1::Framework> parsed =
        domain::ParseFramework(request.textproto(), *library, "textproto");
    if (!parsed.ok()) return parsed.status();
    framework = *std::move(parsed);
  }
  absl::StatusOr<FrameworkStore::Published> published =
      frameworks_->PublishFramework(framework, caller.actor,
                                    caller.authenticated_by);
  if (!published.ok()) return published.status();
  return ToResponse(*published, framework.version());
}

absl::Status Frameworks::PublishFrameworkFiles(const std::string& dir,
                                               const Caller& caller) {
  if (absl::Status s = MayDo(caller, Operation::kPublishFrameworks); !s.ok()) {
    return s;
  }
  const std::filesystem::path root(dir);
  absl::StatusOr<std::string> text = ReadFile(root / "measures.textproto");
  if (!text.ok()) return text.status();
  absl::StatusOr<v1::MeasureLibrary> library =
      domain::ParseMeasureLibrary(*text, "measures.textproto");
  if (!library.ok()) return library.status();
  if (auto s = frameworks_->PublishLibrary(*library, caller.actor,
                                           caller.authenticated_by);
      !s.ok()) {
    return s.status();
  }
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (entry.path().extension() == ".textproto" &&
        entry.path().filename() != "measures.textproto") {
      files.push_back(entry.path());
    }
  }
  if (ec) return absl::InternalError(absl::StrCat(dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  for (const std::filesystem::path& file : files) {
    text = ReadFile(file);
    if (!text.ok()) return text.status();
    absl::StatusOr<v1::Framework> framework =
        domain::ParseFramework(*text, *library, file.filename().string());
    if (!framework.ok()) return framework.status();
    if (!frameworks_->Serves(framework->id())) continue;  // another shard's
    if (auto s = frameworks_->PublishFramework(*framework, caller.actor,
                                               caller.authenticated_by);
        !s.ok()) {
      return s.status();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RecommendWeightingResponse> Frameworks::RecommendWeighting(
    const Caller& caller, const v1::RecommendWeightingRequest& request) const {
  if (absl::Status s = MayDo(caller, Operation::kReadFrameworks); !s.ok()) {
    return s;
  }
  v1::RecommendWeightingResponse response;
  domain::WeightingInput in;
  switch (request.additional_impact()) {
    case v1::NO_ADDITIONAL_IMPACT:
      in.impact = domain::AdditionalImpact::kNone;
      break;
    case v1::SOME:
      in.impact = domain::AdditionalImpact::kSome;
      break;
    case v1::SIGNIFICANT:
      in.impact = domain::AdditionalImpact::kSignificant;
      break;
    default:
      return absl::InvalidArgumentError(
          "additional_impact: required (NO_ADDITIONAL_IMPACT, SOME or "
          "SIGNIFICANT)");
  }
  if (request.objectives_size() > kMaxObjectives) {
    return absl::InvalidArgumentError(
        absl::StrCat("objectives: at most ", kMaxObjectives));
  }
  std::shared_ptr<const v1::Framework> lancashire =
      frameworks_->Latest(kLancashire);
  std::set<std::string> seen;
  for (int i = 0; i < request.objectives_size(); ++i) {
    const std::string& id = request.objectives(i);
    const std::string field = absl::StrCat("objectives[", i, "]");
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": '", id, "' given twice"));
    }
    if (lancashire == nullptr) continue;  // nothing to check against
    bool known = false;
    for (const v1::Theme& t : lancashire->themes()) known |= t.id() == id;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": '", id, "' is not an objective of the ",
                       kLancashire, " framework"));
    }
  }
  in.objectives = request.objectives_size();
  in.needs_quintile = static_cast<int>(request.needs_quintile());
  in.county_wide = request.county_wide();
  absl::StatusOr<domain::WeightingAdvice> advice =
      domain::RecommendWeighting(in);
  if (!advice.ok()) return advice.status();
  response.set_weighting_percent(advice->percent);
  response.set_criteria_met(advice->criteria_met);
  for (const std::string& r : advice->reasons) response.add_reasons(r);
  return response;
}

}  // namespace svledger::app
