#ifndef SVLEDGER_APP_CALLER_H_
#define SVLEDGER_APP_CALLER_H_

#include <set>
#include <string>
#include <vector>

namespace svledger::app {

// The roles a caller holds (app/role_bindings.h), as the access policy
// (app/access_policy.h) reads them.
struct Grants {
  bool admin = false;
  bool auditor = false;
  // Councils (framework ids) it manages contracts of.
  std::set<std::string> councils;
  // Suppliers it reports for.
  std::set<std::string> suppliers;

  bool empty() const {
    return !admin && !auditor && councils.empty() && suppliers.empty();
  }
};

// Who sends a command or a query, as a front door established it. The
// application records `actor` and `authenticated_by` on every event the
// call writes, and decides what the call may do from `grants`.
//
// A default Caller may do nothing: a front door fills it in from what
// authentication established.
struct Caller {
  // The principal; "anonymous" when nobody authenticated.
  std::string actor = "anonymous";
  // How: "oidc", "mtls", "system" (the server itself: seeding, the
  // enforcement policy), or "none" (authentication is off).
  std::string authenticated_by = "none";
  Grants grants;
  // Every principal whose bindings `grants` holds (the actor's, or a
  // token's groups, or a certificate's SANs). Empty when authentication
  // is off.
  std::vector<std::string> principals;

  // The server acting by itself (seeding, the demo, the policy): an admin.
  static Caller System(std::string actor) {
    Caller caller;
    caller.actor = std::move(actor);
    caller.authenticated_by = "system";
    caller.grants.admin = true;
    return caller;
  }
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_CALLER_H_
