#include "services/framework_service.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "domain/framework_catalog.h"
#include "domain/weighting.h"
#include "services/caller.h"
#include "services/grpc_status.h"

namespace svledger::services {
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

void SetPublished(const FrameworkStore::Published& published, uint32_t version,
                  v1::PublishResponse* response) {
  response->set_position(published.position);
  response->set_already(published.already);
  response->set_version(version);
}

}  // namespace

FrameworkService::FrameworkService(FrameworkStore* frameworks)
    : frameworks_(frameworks) {}

grpc::ServerUnaryReactor* FrameworkService::PublishMeasureLibrary(
    grpc::CallbackServerContext* context,
    const v1::PublishMeasureLibraryRequest* request,
    v1::PublishResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto run = [&]() -> absl::Status {
    if (absl::Status s =
            ExactlyOne(request->has_library(), request->textproto(), "library");
        !s.ok()) {
      return s;
    }
    v1::MeasureLibrary library;
    if (request->has_library()) {
      library = request->library();
      if (absl::Status s = domain::ValidateMeasureLibrary(library, "library");
          !s.ok()) {
        return s;
      }
    } else {
      absl::StatusOr<v1::MeasureLibrary> parsed =
          domain::ParseMeasureLibrary(request->textproto(), "textproto");
      if (!parsed.ok()) return parsed.status();
      library = *std::move(parsed);
    }
    absl::StatusOr<FrameworkStore::Published> published =
        frameworks_->PublishLibrary(library, ActorOf(context));
    if (!published.ok()) return published.status();
    SetPublished(*published, library.version(), response);
    return absl::OkStatus();
  };
  reactor->Finish(ToGrpcStatus(run()));
  return reactor;
}

grpc::ServerUnaryReactor* FrameworkService::PublishFramework(
    grpc::CallbackServerContext* context,
    const v1::PublishFrameworkRequest* request, v1::PublishResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto run = [&]() -> absl::Status {
    if (absl::Status s = ExactlyOne(request->has_framework(),
                                    request->textproto(), "framework");
        !s.ok()) {
      return s;
    }
    std::shared_ptr<const v1::MeasureLibrary> library = frameworks_->Library();
    if (library == nullptr) {
      return absl::FailedPreconditionError(
          "framework: publish a measure library first");
    }
    v1::Framework framework;
    if (request->has_framework()) {
      framework = request->framework();
      if (absl::Status s =
              domain::ValidateFramework(framework, *library, "framework");
          !s.ok()) {
        return s;
      }
    } else {
      absl::StatusOr<v1::Framework> parsed =
          domain::ParseFramework(request->textproto(), *library, "textproto");
      if (!parsed.ok()) return parsed.status();
      framework = *std::move(parsed);
    }
    absl::StatusOr<FrameworkStore::Published> published =
        frameworks_->PublishFramework(framework, ActorOf(context));
    if (!published.ok()) return published.status();
    SetPublished(*published, framework.version(), response);
    return absl::OkStatus();
  };
  reactor->Finish(ToGrpcStatus(run()));
  return reactor;
}

grpc::ServerUnaryReactor* FrameworkService::RecommendWeighting(
    grpc::CallbackServerContext* context,
    const v1::RecommendWeightingRequest* request,
    v1::RecommendWeightingResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto run = [&]() -> absl::Status {
    domain::WeightingInput in;
    switch (request->additional_impact()) {
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
    if (request->objectives_size() > kMaxObjectives) {
      return absl::InvalidArgumentError(
          absl::StrCat("objectives: at most ", kMaxObjectives));
    }
    std::shared_ptr<const v1::Framework> lancashire =
        frameworks_->Latest(kLancashire);
    std::set<std::string> seen;
    for (int i = 0; i < request->objectives_size(); ++i) {
      const std::string& id = request->objectives(i);
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
    in.objectives = request->objectives_size();
    in.needs_quintile = static_cast<int>(request->needs_quintile());
    in.county_wide = request->county_wide();
    absl::StatusOr<domain::WeightingAdvice> advice =
        domain::RecommendWeighting(in);
    if (!advice.ok()) return advice.status();
    response->set_weighting_percent(advice->percent);
    response->set_criteria_met(advice->criteria_met);
    for (const std::string& r : advice->reasons) response->add_reasons(r);
    return absl::OkStatus();
  };
  reactor->Finish(ToGrpcStatus(run()));
  return reactor;
}

}  // namespace svledger::services
