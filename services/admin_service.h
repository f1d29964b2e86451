#ifndef SVLEDGER_SERVICES_ADMIN_SERVICE_H_
#define SVLEDGER_SERVICES_ADMIN_SERVICE_H_

#include "eventstore/event_store.h"
#include "projections/contract_read_model.h"
#include "svledger/v1/admin_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.AdminService: rebuilding and inspecting projections.
//
// Thread-safe. `store` and `model` must outlive it.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  AdminService(const eventstore::EventStore* store,
               projections::ContractReadModel* model);

  grpc::ServerUnaryReactor* RebuildProjection(
      grpc::CallbackServerContext* context,
      const v1::RebuildProjectionRequest* request,
      v1::RebuildProjectionResponse* response) override;
  grpc::ServerUnaryReactor* GetProjectionStatus(
      grpc::CallbackServerContext* context,
      const v1::GetProjectionStatusRequest* request,
      v1::ProjectionStatus* response) override;

 private:
  const eventstore::EventStore* const store_;
  projections::ContractReadModel* const model_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ADMIN_SERVICE_H_
