#ifndef SVLEDGER_SERVICES_ADMIN_SERVICE_H_
#define SVLEDGER_SERVICES_ADMIN_SERVICE_H_

#include "app/projection_admin.h"
#include "app/role_bindings.h"
#include "services/authenticate.h"
#include "services/request_guard.h"
#include "svledger/v1/admin_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.AdminService: the projections and the role bindings, each
// call answered at once (a grant waits only for its own durable append).
//
// Thread-safe. Everything passed in must outlive it.
class AdminService final : public GuardedService<v1::AdminService> {
 public:
  AdminService(app::ProjectionAdmin* admin, app::RoleBindings* roles,
               const CallAuthenticator* auth)
      : admin_(admin), roles_(roles), auth_(auth) {
    Guard("RebuildProjection", &AdminService::RebuildProjection,
          kMaxCommandRequestBytes);
    Guard("GetProjectionStatus", &AdminService::GetProjectionStatus,
          kMaxQueryRequestBytes);
    Guard("GrantRole", &AdminService::GrantRole, kMaxCommandRequestBytes);
    Guard("RevokeRole", &AdminService::RevokeRole, kMaxCommandRequestBytes);
    Guard("ListRoleBindings", &AdminService::ListRoleBindings,
          kMaxQueryRequestBytes);
    Guard("WhoAmI", &AdminService::WhoAmI, kMaxQueryRequestBytes);
  }

  grpc::ServerUnaryReactor* RebuildProjection(
      grpc::CallbackServerContext* context,
      const v1::RebuildProjectionRequest* request,
      v1::RebuildProjectionResponse* response) override;
  grpc::ServerUnaryReactor* GetProjectionStatus(
      grpc::CallbackServerContext* context,
      const v1::GetProjectionStatusRequest* request,
      v1::ProjectionStatus* response) override;
  grpc::ServerUnaryReactor* GrantRole(
      grpc::CallbackServerContext* context, const v1::GrantRoleRequest* request,
      v1::RoleChangeResponse* response) override;
  grpc::ServerUnaryReactor* RevokeRole(
      grpc::CallbackServerContext* context,
      const v1::RevokeRoleRequest* request,
      v1::RoleChangeResponse* response) override;
  grpc::ServerUnaryReactor* ListRoleBindings(
      grpc::CallbackServerContext* context,
      const v1::ListRoleBindingsRequest* request,
      v1::ListRoleBindingsResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::WhoAmIResponse* response) override;

 private:
  app::ProjectionAdmin* const admin_;
  app::RoleBindings* const roles_;
  const CallAuthenticator* const auth_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ADMIN_SERVICE_H_
