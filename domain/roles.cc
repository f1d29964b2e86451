#include "domain/roles.h"

#include "absl/strings/str_cat.h"

namespace svledger::domain {
namespace {

bool Printable(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

BindingKey KeyOf(const v1::RoleBinding& binding) {
  return {binding.principal(), static_cast<int>(binding.role()),
          binding.scope()};
}

v1::RoleBinding BindingOf(const BindingKey& key) {
  v1::RoleBinding binding;
  binding.set_principal(std::get<0>(key));
  binding.set_role(static_cast<v1::Role>(std::get<1>(key)));
  binding.set_scope(std::get<2>(key));
  return binding;
}

absl::Status ValidateRoleBinding(const v1::RoleBinding& binding,
                                 absl::string_view field) {
  if (binding.principal().empty() ||
      binding.principal().size() > kMaxPrincipalBytes ||
      !Printable(binding.principal())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".principal: must be 1-", kMaxPrincipalBytes,
                     " printable bytes"));
  }
  const bool scoped =
      binding.role() == v1::ROLE_MANAGER || binding.role() == v1::ROLE_SUPPLIER;
  switch (binding.role()) {
    case v1::ROLE_ADMIN:
    case v1::ROLE_MANAGER:
    case v1::ROLE_SUPPLIER:
    case v1::ROLE_AUDITOR:
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          field,
          ".role: must be ROLE_ADMIN, ROLE_MANAGER, ROLE_SUPPLIER or "
          "ROLE_AUDITOR"));
  }
  if (scoped &&
      (binding.scope().empty() || binding.scope().size() > kMaxScopeBytes ||
       !Printable(binding.scope()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".scope: ", RoleName(binding.role()),
        binding.role() == v1::ROLE_MANAGER ? " needs the council id"
                                           : " needs the supplier id",
        " (1-", kMaxScopeBytes, " printable bytes)"));
  }
  if (!scoped && !binding.scope().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".scope: must be empty for ",
                     RoleName(binding.role()), ", which is not scoped"));
  }
  return absl::OkStatus();
}

absl::Status ApplyRoleEvent(absl::string_view type, absl::string_view payload,
                            std::set<BindingKey>& held) {
  v1::RoleBindingChanged change;
  if ((type != kRoleGranted && type != kRoleRevoked) ||
      !change.ParseFromString(std::string(payload))) {
    return absl::InvalidArgumentError(absl::StrCat("not a role event: ", type));
  }
  if (type == kRoleGranted) {
    held.insert(KeyOf(change.binding()));
  } else {
    held.erase(KeyOf(change.binding()));
  }
  return absl::OkStatus();
}

Uuid RoleEventId(uint64_t stream_version) {
  return Uuid::FromName(absl::StrCat("roles/", stream_version));
}

const char* RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN:
      return "admin";
    case v1::ROLE_MANAGER:
      return "manager";
    case v1::ROLE_SUPPLIER:
      return "supplier";
    case v1::ROLE_AUDITOR:
      return "auditor";
    default:
      return "no role";
  }
}

}  // namespace svledger::domain
