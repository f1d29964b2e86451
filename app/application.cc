#include "app/application.h"

#include <utility>

namespace svledger::app {

absl::StatusOr<std::unique_ptr<Application>> Application::Create(
    eventstore::EventStore* store, projections::ContractReadModel* model,
    Clock* clock, ApplicationOptions options) {
  std::unique_ptr<Application> app(new Application);
  absl::StatusOr<std::unique_ptr<FrameworkStore>> frameworks =
      FrameworkStore::Open(store, std::move(options.councils));
  if (!frameworks.ok()) return frameworks.status();
  app->framework_store_ = *std::move(frameworks);
  absl::StatusOr<std::unique_ptr<RoleBindings>> roles =
      RoleBindings::Open(store);
  if (!roles.ok()) return roles.status();
  app->roles_ = *std::move(roles);
  FrameworkStore* catalogue = app->framework_store_.get();
  app->engine_ = std::make_unique<ContractCommands>(store);
  app->evidence_ = std::make_unique<EvidenceFiles>(options.evidence, model);
  app->commands_ = std::make_unique<Commands>(app->engine_.get(), catalogue,
                                              clock, app->evidence_.get());
  app->frameworks_ = std::make_unique<Frameworks>(catalogue);
  app->progress_ = std::make_unique<ProgressQueries>(store, model, catalogue,
                                                     clock, options.standing);
  app->cases_ = std::make_unique<CaseQueries>(store, model, catalogue, clock);
  app->alerts_ = std::make_unique<Alerts>(store);
  app->event_log_ = std::make_unique<EventLog>(store);
  app->projection_admin_ = std::make_unique<ProjectionAdmin>(store, model);
  if (options.enforcement) {
    app->policy_ = std::make_unique<EnforcementPolicy>(
        app->engine_.get(), model, catalogue, clock, options.policy);
  }
  return app;
}

Application::~Application() { StopPolicy(); }

void Application::StartPolicy() {
  if (policy_ != nullptr) policy_->Start();
}

void Application::StopPolicy() {
  if (policy_ != nullptr) policy_->Stop();
}

}  // namespace svledger::app
