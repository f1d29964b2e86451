#ifndef SVLEDGER_DOMAIN_ROLES_H_
#define SVLEDGER_DOMAIN_ROLES_H_

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/uuid.h"
#include "svledger/v1/access.pb.h"

namespace svledger::domain {

// Limits on what a client controls in a role binding.
inline constexpr size_t kMaxPrincipalBytes = 256;
inline constexpr size_t kMaxScopeBytes = 200;
inline constexpr size_t kMaxRoleReasonBytes = 1000;

// Event types of the roles stream (kRolesStream, domain/ids.h), each with a
// v1::RoleBindingChanged payload.
inline constexpr char kRoleGranted[] = "RoleGranted";
inline constexpr char kRoleRevoked[] = "RoleRevoked";

// A binding as a sortable key: (principal, role, scope).
using BindingKey = std::tuple<std::string, int, std::string>;
BindingKey KeyOf(const v1::RoleBinding& binding);
v1::RoleBinding BindingOf(const BindingKey& key);

// OK if `binding` is well-formed: a printable principal of at most
// kMaxPrincipalBytes; a role; a scope (council or supplier id) exactly for
// ROLE_MANAGER and ROLE_SUPPLIER. INVALID_ARGUMENT naming the field under
// `field` (e.g. "binding.scope") otherwise.
absl::Status ValidateRoleBinding(const v1::RoleBinding& binding,
                                 absl::string_view field);

// Applies one event of the roles stream to `held`. INVALID_ARGUMENT for an
// event that is not a role event or does not parse.
absl::Status ApplyRoleEvent(absl::string_view type, absl::string_view payload,
                            std::set<BindingKey>& held);

// The id of the roles stream's event at `stream_version`: a retry of the
// same change after the same history is recognised by it.
Uuid RoleEventId(uint64_t stream_version);

// "admin", "manager", "supplier", "auditor".
const char* RoleName(v1::Role role);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_ROLES_H_
