#ifndef SVLEDGER_APP_ROLE_BINDINGS_H_
#define SVLEDGER_APP_ROLE_BINDINGS_H_

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "app/caller.h"
#include "app/log_follower.h"
#include "domain/roles.h"
#include "eventstore/event_store.h"
#include "svledger/v1/access.pb.h"

namespace svledger::app {

// Who holds which role: the "roles" stream of the log (domain/roles.h: one
// RoleGranted or RoleRevoked event per change, with its actor and time),
// held in memory for the access policy.
//
// A change made here applies by the time Grant or Revoke returns, that is
// from the moment its event is durable; one made by another writer of the
// same log within about kFollowInterval.
//
// Thread-safe. The event store must outlive it.
class RoleBindings {
 public:
  static constexpr absl::Duration kFollowInterval = absl::Milliseconds(50);

  // Reads the stream and starts following the log. Errors: the store's.
  static absl::StatusOr<std::unique_ptr<RoleBindings>> Open(
      eventstore::EventStore* store);

  ~RoleBindings();

  struct Change {
    uint64_t position = 0;  // 0 when nothing was written
    bool already = false;   // the binding was already as asked
  };

  // Grants `binding`, recording `caller` as actor. The caller's right to
  // do so is the access policy's (kManageRoles), checked here. Errors:
  // PERMISSION_DENIED; INVALID_ARGUMENT naming the field ("binding.scope",
  // "reason"); the store's; ABORTED after repeated lost races.
  absl::StatusOr<Change> Grant(const Caller& caller,
                               const v1::RoleBinding& binding,
                               const std::string& reason);
  // Revokes `binding`. Errors as Grant, and NOT_FOUND if it is not held,
  // FAILED_PRECONDITION if it is the last admin binding.
  absl::StatusOr<Change> Revoke(const Caller& caller,
                                const v1::RoleBinding& binding,
                                const std::string& reason);

  // Every binding held, sorted. PERMISSION_DENIED unless kManageRoles.
  absl::StatusOr<std::vector<v1::RoleBinding>> List(const Caller& caller) const;

  // What `principals` hold together (a token may name several, e.g. its
  // groups). A lookup in memory.
  Grants GrantsOf(const std::vector<std::string>& principals) const;
  // Whether any principal holds ROLE_ADMIN.
  bool HasAdmin() const;
  // The bindings of one principal, sorted.
  std::vector<v1::RoleBinding> BindingsOf(const std::string& principal) const;

  // Grants `binding` as the server (actor "svledger-bootstrap") unless it
  // is held already: the first admin (--bootstrap-admin), and the demo's
  // personas.
  absl::Status Bootstrap(const v1::RoleBinding& binding);

 private:
  explicit RoleBindings(eventstore::EventStore* store) : store_(store) {}

  absl::Status CatchUp() ABSL_LOCKS_EXCLUDED(mu_);
  // Appends `type` for `binding` unless `decide` (called with mu_ held,
  // after catching up) says the change is already so (or fails).
  absl::StatusOr<Change> Apply(
      const Caller& caller, const char* type, const v1::RoleBinding& binding,
      const std::string& reason,
      const std::function<
          absl::StatusOr<bool>(const std::set<domain::BindingKey>&)>& decide);

  eventstore::EventStore* const store_;

  mutable absl::Mutex mu_;
  std::set<domain::BindingKey> held_ ABSL_GUARDED_BY(mu_);
  uint64_t next_version_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex catch_up_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Mutex change_mu_ ABSL_ACQUIRED_BEFORE(catch_up_mu_);

  // Declared last, destroyed first: it calls CatchUp.
  std::unique_ptr<LogFollower> follower_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_ROLE_BINDINGS_H_
