#include "app/access_policy.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace svledger::app {
namespace {

// How far a role reaches for an operation.
enum Reach {
  kNo,     // not at all
  kScope,  // within its scope: a manager's councils, a supplier's own id
  kAll,    // on everything
};

struct Rule {
  Operation op;
  const char* name;
  Reach admin, manager, supplier, auditor;
};

// THE POLICY. One row per operation; a caller holding several roles may do
// what any of them may. kWhoAmI is open to every authenticated caller, with
// or without a role.
// clang-format off
constexpr Rule kPolicy[] = {
  // operation                         name                           admin  manager  supplier  auditor
  {Operation::kAppendEvents,           "append raw events",           kAll,  kNo,     kNo,      kNo},
  {Operation::kReadLog,                "read the raw event log",      kAll,  kNo,     kNo,      kAll},
  {Operation::kPublishFrameworks,      "publish frameworks",          kAll,  kNo,     kNo,      kNo},
  {Operation::kReadFrameworks,         "read frameworks",             kAll,  kAll,    kAll,     kAll},
  {Operation::kRegisterContract,       "register a contract",         kAll,  kScope,  kNo,      kNo},
  {Operation::kManageContract,         "change a contract",           kAll,  kScope,  kNo,      kNo},
  {Operation::kReportDelivery,         "report a delivery",           kAll,  kScope,  kScope,   kNo},
  {Operation::kVerifyDelivery,         "verify or reject a delivery", kAll,  kScope,  kNo,      kNo},
  {Operation::kEnforce,                "act on enforcement",          kAll,  kScope,  kNo,      kNo},
  {Operation::kReadContract,           "read a contract",             kAll,  kScope,  kScope,   kAll},
  {Operation::kReadCouncil,            "read a council summary",      kAll,  kScope,  kNo,      kAll},
  {Operation::kReadSupplier,           "read a supplier scorecard",   kAll,  kNo,     kScope,   kAll},
  {Operation::kOperateProjections,     "rebuild projections",         kAll,  kNo,     kNo,      kNo},
  {Operation::kReadProjectionStatus,   "read projection status",      kAll,  kNo,     kNo,      kAll},
  {Operation::kManageRoles,            "manage roles",                kAll,  kNo,     kNo,      kNo},
  {Operation::kWhoAmI,                 "ask who it is",               kAll,  kAll,    kAll,     kAll},
  {Operation::kReadLogHead,            "read the log's chain head",   kAll,  kAll,    kAll,     kAll},
  {Operation::kVerifyLog,              "verify the log's hash chain", kAll,  kNo,     kNo,      kAll},
  {Operation::kOperateBackups,         "operate backups",             kAll,  kNo,     kNo,      kNo},
};
// clang-format on

const Rule& RuleOf(Operation op) {
  for (const Rule& rule : kPolicy) {
    if (rule.op == op) return rule;
  }
  return kPolicy[0];  // unreachable: every operation has a row
}

// "manager of 'derbyshire', supplier 'acme'", or "no role".
std::string Held(const Caller& caller) {
  std::vector<std::string> held;
  if (caller.grants.admin) held.push_back("admin");
  if (caller.grants.auditor) held.push_back("auditor");
  for (const std::string& c : caller.grants.councils) {
    held.push_back(absl::StrCat("manager of '", c, "'"));
  }
  for (const std::string& s : caller.grants.suppliers) {
    held.push_back(absl::StrCat("supplier '", s, "'"));
  }
  if (held.empty()) return "no role";
  return absl::StrJoin(held, ", ");
}

// The roles that may do the rule's operation, for errors.
std::string Needed(const Rule& rule, const Target* target) {
  std::vector<std::string> roles;
  if (rule.manager != kNo) {
    roles.push_back(target != nullptr && rule.manager == kScope &&
                            !target->council.empty()
                        ? absl::StrCat("manager of '", target->council, "'")
                        : "manager");
  }
  if (rule.supplier != kNo) {
    roles.push_back(target != nullptr && rule.supplier == kScope &&
                            !target->supplier.empty()
                        ? absl::StrCat("supplier '", target->supplier, "'")
                        : "supplier");
  }
  if (rule.auditor != kNo) roles.push_back("auditor");
  roles.push_back("admin");
  return absl::StrJoin(roles, " or ");
}

absl::Status Denied(const Caller& caller, const Rule& rule,
                    const Target* target) {
  if (target != nullptr && target->council.empty() &&
      target->supplier.empty()) {
    target = nullptr;
  }
  return absl::PermissionDeniedError(
      absl::StrCat("to ", rule.name, " needs role ", Needed(rule, target),
                   "; '", caller.actor, "' holds ", Held(caller)));
}

}  // namespace

const char* OperationName(Operation op) { return RuleOf(op).name; }

absl::Status MayDo(const Caller& caller, Operation op) {
  const Rule& rule = RuleOf(op);
  const Grants& g = caller.grants;
  if ((g.admin && rule.admin != kNo) || (g.auditor && rule.auditor != kNo) ||
      (!g.councils.empty() && rule.manager != kNo) ||
      (!g.suppliers.empty() && rule.supplier != kNo) ||
      (op == Operation::kWhoAmI && caller.actor != "anonymous")) {
    return absl::OkStatus();
  }
  return Denied(caller, rule, nullptr);
}

absl::Status MayDoOn(const Caller& caller, Operation op, const Target& target) {
  if (VisibleTo(caller, op).Sees(target)) return absl::OkStatus();
  return Denied(caller, RuleOf(op), &target);
}

Visibility VisibleTo(const Caller& caller, Operation op) {
  const Rule& rule = RuleOf(op);
  const Grants& g = caller.grants;
  Visibility v;
  v.all = (g.admin && rule.admin == kAll) ||
          (g.auditor && rule.auditor == kAll) ||
          (!g.councils.empty() && rule.manager == kAll) ||
          (!g.suppliers.empty() && rule.supplier == kAll);
  if (rule.manager == kScope) v.councils = g.councils;
  if (rule.supplier == kScope) v.suppliers = g.suppliers;
  return v;
}

absl::StatusOr<Visibility> VisibleListing(const Caller& caller, Operation op,
                                          const std::string& council,
                                          const std::string& supplier) {
  if (absl::Status s = MayDo(caller, op); !s.ok()) return s;
  Visibility v = VisibleTo(caller, op);
  if (v.all) return v;
  const bool council_outside =
      !council.empty() && !v.councils.contains(council);
  const bool supplier_outside =
      !supplier.empty() && !v.suppliers.contains(supplier);
  // Wholly outside: no role of the caller could see a match.
  if ((council_outside && v.suppliers.empty()) ||
      (supplier_outside && v.councils.empty()) ||
      (council_outside && supplier_outside)) {
    const Target target{council, supplier};
    return Denied(caller, RuleOf(op), &target);
  }
  return v;
}

}  // namespace svledger::app
