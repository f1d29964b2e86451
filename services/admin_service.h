#ifndef SVLEDGER_SERVICES_ADMIN_SERVICE_H_
#define SVLEDGER_SERVICES_ADMIN_SERVICE_H_

#include "app/projection_admin.h"
#include "svledger/v1/admin_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.AdminService: app::ProjectionAdmin over gRPC (rebuilding and
// inspecting projections).
//
// Thread-safe. `admin` must outlive it.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  explicit AdminService(app::ProjectionAdmin* admin) : admin_(admin) {}

  grpc::ServerUnaryReactor* RebuildProjection(
      grpc::CallbackServerContext* context,
      const v1::RebuildProjectionRequest* request,
      v1::RebuildProjectionResponse* response) override;
  grpc::ServerUnaryReactor* GetProjectionStatus(
      grpc::CallbackServerContext* context,
      const v1::GetProjectionStatusRequest* request,
      v1::ProjectionStatus* response) override;

 private:
  app::ProjectionAdmin* const admin_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ADMIN_SERVICE_H_
