#ifndef SVLEDGER_SERVICES_ENFORCEMENT_SERVICE_H_
#define SVLEDGER_SERVICES_ENFORCEMENT_SERVICE_H_

#include "absl/time/time.h"
#include "app/case_queries.h"
#include "app/commands.h"
#include "services/applied_wait.h"
#include "services/authenticate.h"
#include "services/request_guard.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.EnforcementService on the callback API. Commands are
// app::Commands' (decided by domain/enforcement.h, queued behind the
// contract's other commands, the policy's included, idempotent by request
// id, with the caller as actor). Queries are app::CaseQueries', each first
// waiting for the request's min_position.
//
// Thread-safe. Everything passed in must outlive it.
class EnforcementService final : public GuardedService<v1::EnforcementService> {
 public:
  EnforcementService(app::Commands* commands, const app::CaseQueries* queries,
                     eventstore::HeadWatcher* applied, AppliedWaitOptions wait,
                     const CallAuthenticator* auth);

  grpc::ServerUnaryReactor* RecordAction(
      grpc::CallbackServerContext* context,
      const v1::RecordActionRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* CloseCase(grpc::CallbackServerContext* context,
                                      const v1::CloseCaseRequest* request,
                                      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* RecordPerformanceAssessment(
      grpc::CallbackServerContext* context,
      const v1::RecordPerformanceAssessmentRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* ListCases(grpc::CallbackServerContext* context,
                                      const v1::ListCasesRequest* request,
                                      v1::ListCasesResponse* response) override;
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* context,
                                    const v1::GetCaseRequest* request,
                                    v1::EnforcementCase* response) override;

 private:
  app::Commands* const commands_;
  const CallAuthenticator* const auth_;
  const app::CaseQueries* const queries_;
  AppliedWait wait_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ENFORCEMENT_SERVICE_H_
