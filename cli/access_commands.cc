#include "cli/access_commands.h"

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "cli/cli_common.h"
#include "svledger/v1/admin_service.grpc.pb.h"

ABSL_FLAG(std::string, principal, "", "grant, revoke: the principal");
ABSL_FLAG(std::string, role, "",
          "grant, revoke: admin, manager, supplier or auditor");
ABSL_FLAG(std::string, scope, "",
          "grant, revoke: the council (manager) or supplier id (supplier)");
ABSL_DECLARE_FLAG(std::string, reason);

namespace svledger::cli {
namespace {

std::string Describe(const v1::RoleBinding& b) {
  std::string role = absl::AsciiStrToLower(v1::Role_Name(b.role()).substr(5));
  if (b.role() == v1::ROLE_MANAGER) return role + " of '" + b.scope() + "'";
  if (b.role() == v1::ROLE_SUPPLIER) return role + " '" + b.scope() + "'";
  return role;
}

int WhoAmI(v1::AdminService::Stub& admin) {
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::WhoAmIResponse response;
  grpc::Status status = admin.WhoAmI(&context, {}, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
    return 0;
  }
  std::printf("%s (authenticated by %s)\n", response.principal().c_str(),
              response.authenticated_by().c_str());
  if (response.bindings().empty()) {
    std::printf(response.authenticated_by() == "none"
                    ? "  admin: authentication is off\n"
                    : "  no role\n");
  }
  for (const v1::RoleBinding& b : response.bindings()) {
    std::printf("  %s\n", Describe(b).c_str());
  }
  return 0;
}

int Roles(v1::AdminService::Stub& admin) {
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::ListRoleBindingsResponse response;
  grpc::Status status = admin.ListRoleBindings(&context, {}, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
    return 0;
  }
  std::printf("%-40s %s\n", "PRINCIPAL", "ROLE");
  for (const v1::RoleBinding& b : response.bindings()) {
    std::printf("%-40s %s\n", b.principal().c_str(), Describe(b).c_str());
  }
  return 0;
}

int Change(v1::AdminService::Stub& admin, bool grant) {
  v1::RoleBinding binding;
  binding.set_principal(absl::GetFlag(FLAGS_principal));
  if (binding.principal().empty()) return Usage("--principal: required");
  v1::Role role;
  if (!v1::Role_Parse(
          "ROLE_" + absl::AsciiStrToUpper(absl::GetFlag(FLAGS_role)), &role) ||
      role == v1::ROLE_UNSPECIFIED) {
    return Usage("--role: admin, manager, supplier or auditor");
  }
  binding.set_role(role);
  binding.set_scope(absl::GetFlag(FLAGS_scope));
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::RoleChangeResponse response;
  grpc::Status status;
  if (grant) {
    v1::GrantRoleRequest request;
    *request.mutable_binding() = binding;
    request.set_reason(absl::GetFlag(FLAGS_reason));
    status = admin.GrantRole(&context, request, &response);
  } else {
    v1::RevokeRoleRequest request;
    *request.mutable_binding() = binding;
    request.set_reason(absl::GetFlag(FLAGS_reason));
    status = admin.RevokeRole(&context, request, &response);
  }
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
    return 0;
  }
  std::printf("%s %s %s%s\n", grant ? "granted" : "revoked",
              binding.principal().c_str(), Describe(binding).c_str(),
              response.already() ? " (already so; nothing written)" : "");
  return 0;
}

}  // namespace

int RunAccessCommand(const std::string& command,
                     const std::shared_ptr<grpc::Channel>& channel,
                     const std::vector<char*>& args) {
  (void)args;
  auto admin = v1::AdminService::NewStub(channel);
  if (command == "whoami") return WhoAmI(*admin);
  if (command == "roles") return Roles(*admin);
  if (command == "grant") return Change(*admin, true);
  if (command == "revoke") return Change(*admin, false);
  return -1;
}

}  // namespace svledger::cli
