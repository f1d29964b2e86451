#ifndef SVLEDGER_APP_APPLICATION_H_
#define SVLEDGER_APP_APPLICATION_H_

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "app/alerts.h"
#include "app/case_queries.h"
#include "app/commands.h"
#include "app/contract_commands.h"
#include "app/enforcement_policy.h"
#include "app/event_log.h"
#include "app/evidence_files.h"
#include "app/framework_store.h"
#include "app/frameworks.h"
#include "app/progress_queries.h"
#include "app/projection_admin.h"
#include "app/role_bindings.h"
#include "common/clock.h"
#include "domain/standing.h"
#include "eventstore/event_store.h"
#include "projections/contract_read_model.h"

namespace svledger::app {

struct ApplicationOptions {
  // The councils (framework ids) this instance serves, when a deployment
  // shards councils across instances (deploy/README.md): frameworks and
  // contracts of other councils are refused with FAILED_PRECONDITION.
  // Empty (the default): every council.
  std::set<std::string> councils;
  // The rule for supplier endorsement and contract extension in the
  // scorecard. Default: domain::StandingRule's defaults.
  domain::StandingRule standing;
  // Run the enforcement policy (app/enforcement_policy.h): open, escalate
  // and close cases by itself, and record status changes. Default true.
  bool enforcement = true;
  // The policy's sweep interval and actor. Default: its defaults (an hour).
  EnforcementPolicyOptions policy;
  // Where uploaded evidence files are kept (app/evidence_files.h). Not
  // owned; must outlive the application. Default null: no uploads.
  evidence::EvidenceStore* evidence = nullptr;
};

// The application: every command, query and process manager of svledger
// over one event log and its read model, wired once. Every front door (the
// gRPC services, the demo loader, later the HTTP API and imports) calls
// these and nothing else decides.
//
// Thread-safe. `store`, `model` and `clock` must outlive it.
class Application {
 public:
  // Reads the framework catalogue and the role bindings from the log and
  // builds the rest. The
  // policy is built (unless options.enforcement is false) but not started.
  // Errors: the framework catalogue's.
  static absl::StatusOr<std::unique_ptr<Application>> Create(
      eventstore::EventStore* store, projections::ContractReadModel* model,
      Clock* clock, ApplicationOptions options);

  // Stops the policy.
  ~Application();

  // Starts the policy's thread (its first sweep runs at once). No-op
  // without the policy.
  void StartPolicy();
  // Stops it; waits for the evaluation in progress. Idempotent.
  void StopPolicy();

  FrameworkStore& framework_store() { return *framework_store_; }
  ContractCommands& engine() { return *engine_; }
  Commands& commands() { return *commands_; }
  Frameworks& frameworks() { return *frameworks_; }
  ProgressQueries& progress() { return *progress_; }
  CaseQueries& cases() { return *cases_; }
  Alerts& alerts() { return *alerts_; }
  EventLog& event_log() { return *event_log_; }
  EvidenceFiles& evidence() { return *evidence_; }
  ProjectionAdmin& projection_admin() { return *projection_admin_; }
  RoleBindings& roles() { return *roles_; }
  // Null when options.enforcement is false.
  EnforcementPolicy* policy() { return policy_.get(); }

 private:
  Application() = default;

  std::unique_ptr<FrameworkStore> framework_store_;
  std::unique_ptr<ContractCommands> engine_;
  std::unique_ptr<EvidenceFiles> evidence_;
  std::unique_ptr<Commands> commands_;
  std::unique_ptr<Frameworks> frameworks_;
  std::unique_ptr<ProgressQueries> progress_;
  std::unique_ptr<CaseQueries> cases_;
  std::unique_ptr<Alerts> alerts_;
  std::unique_ptr<EventLog> event_log_;
  std::unique_ptr<ProjectionAdmin> projection_admin_;
  std::unique_ptr<RoleBindings> roles_;
  std::unique_ptr<EnforcementPolicy> policy_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_APPLICATION_H_
