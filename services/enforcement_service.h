#ifndef SVLEDGER_SERVICES_ENFORCEMENT_SERVICE_H_
#define SVLEDGER_SERVICES_ENFORCEMENT_SERVICE_H_

#include "absl/time/time.h"
#include "services/applied_wait.h"
#include "services/case_queries.h"
#include "services/contract_service.h"
#include "services/framework_store.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.EnforcementService on the callback API. Commands are decided
// by domain/enforcement.h and run through ContractService, so they queue
// behind the contract's other commands (the policy's included), are
// idempotent by request id and carry the caller as actor. Queries are
// CaseQueries', each first waiting for the request's min_position.
//
// Thread-safe. Everything passed in must outlive it.
class EnforcementService final
    : public v1::EnforcementService::CallbackService {
 public:
  EnforcementService(ContractService* contracts,
                     const FrameworkStore* frameworks,
                     projections::ContractReadModel* model,
                     const CaseQueries* queries,
                     absl::Duration max_position_wait = absl::Seconds(5));

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
  ContractService* const contracts_;
  const FrameworkStore* const frameworks_;
  const CaseQueries* const queries_;
  AppliedWait wait_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ENFORCEMENT_SERVICE_H_
