#include "app/role_bindings.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "app/access_policy.h"
#include "domain/ids.h"
#include "eventstore/stream_reader.h"

namespace svledger::app {
namespace {

constexpr int kMaxRaceRetries = 5;

}  // namespace

absl::StatusOr<std::unique_ptr<RoleBindings>> RoleBindings::Open(
    eventstore::EventStore* store) {
  std::unique_ptr<RoleBindings> rb(new RoleBindings(store));
  const uint64_t head = store->HeadPosition();
  if (absl::Status s = rb->CatchUp(); !s.ok()) return s;
  RoleBindings* self = rb.get();
  rb->follower_ = std::make_unique<LogFollower>(
      store, kFollowInterval, head, "svl-roles",
      [self] { return self->CatchUp(); }, nullptr);
  return rb;
}

// The follower stops before the members it reads go.
RoleBindings::~RoleBindings() { follower_.reset(); }

absl::Status RoleBindings::CatchUp() {
  absl::MutexLock catching(&catch_up_mu_);
  uint64_t from;
  {
    absl::MutexLock lock(&mu_);
    from = next_version_;
  }
  std::vector<eventstore::RecordedEvent> events;
  absl::Status s =
      eventstore::ForEachStreamEvent(*store_, domain::kRolesStream, from,
                                     [&](const eventstore::RecordedEvent& e) {
                                       events.push_back(e);
                                       return absl::OkStatus();
                                     });
  if (!s.ok()) return s;
  absl::MutexLock lock(&mu_);
  for (const eventstore::RecordedEvent& e : events) {
    next_version_ = e.stream_version + 1;
    // Only the server writes the stream; anything else is counted, never
    // fatal.
    if (!domain::ApplyRoleEvent(e.type, e.payload, held_).ok()) ++skipped_;
  }
  return absl::OkStatus();
}

absl::StatusOr<RoleBindings::Change> RoleBindings::Apply(
    const Caller& caller, const char* type, const v1::RoleBinding& binding,
    const std::string& reason,
    const std::function<
        absl::StatusOr<bool>(const std::set<domain::BindingKey>&)>& decide) {
  if (absl::Status s = MayDo(caller, Operation::kManageRoles); !s.ok()) {
    return s;
  }
  if (absl::Status s = domain::ValidateRoleBinding(binding, "binding");
      !s.ok()) {
    return s;
  }
  if (reason.size() > domain::kMaxRoleReasonBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reason: at most ", domain::kMaxRoleReasonBytes, " bytes"));
  }
  v1::RoleBindingChanged change;
  *change.mutable_binding() = binding;
  change.set_reason(reason);
  absl::MutexLock changing(&change_mu_);
  for (int attempt = 0;; ++attempt) {
    if (absl::Status s = CatchUp(); !s.ok()) return s;
    uint64_t next;
    {
      absl::MutexLock lock(&mu_);
      absl::StatusOr<bool> already = decide(held_);
      if (!already.ok()) return already.status();
      if (*already) return Change{0, true};
      next = next_version_;
    }
    eventstore::ProposedEvent event;
    event.id = domain::RoleEventId(next);
    event.type = type;
    event.payload = change.SerializeAsString();
    event.metadata.actor = caller.actor;
    event.metadata.authenticated_by = caller.authenticated_by;
    absl::StatusOr<eventstore::AppendResult> r =
        store_->Append(domain::kRolesStream,
                       next == 0 ? eventstore::ExpectedVersion::NoStream()
                                 : eventstore::ExpectedVersion::Exact(next - 1),
                       {event});
    if (r.ok()) {
      // Applies from now: the event is durable.
      if (absl::Status s = CatchUp(); !s.ok()) return s;
      return Change{r->last_position, false};
    }
    if (r.status().code() != absl::StatusCode::kAborted ||
        attempt >= kMaxRaceRetries) {
      return r.status();
    }
  }
}

absl::StatusOr<RoleBindings::Change> RoleBindings::Grant(
    const Caller& caller, const v1::RoleBinding& binding,
    const std::string& reason) {
  return Apply(caller, domain::kRoleGranted, binding, reason,
               [&](const std::set<domain::BindingKey>& held) {
                 return held.contains(domain::KeyOf(binding));
               });
}

absl::StatusOr<RoleBindings::Change> RoleBindings::Revoke(
    const Caller& caller, const v1::RoleBinding& binding,
    const std::string& reason) {
  return Apply(
      caller, domain::kRoleRevoked, binding, reason,
      [&](const std::set<domain::BindingKey>& held) -> absl::StatusOr<bool> {
        if (!held.contains(domain::KeyOf(binding))) {
          return absl::NotFoundError(absl::StrCat(
              "binding: '", binding.principal(), "' does not hold ",
              domain::RoleName(binding.role()),
              binding.scope().empty() ? "" : " of ", binding.scope()));
        }
        if (binding.role() == v1::ROLE_ADMIN) {
          int admins = 0;
          for (const domain::BindingKey& key : held) {
            if (std::get<1>(key) == v1::ROLE_ADMIN) ++admins;
          }
          if (admins == 1) {
            return absl::FailedPreconditionError(
                "binding: the last admin cannot be revoked; grant another "
                "admin first");
          }
        }
        return false;
      });
}

absl::StatusOr<std::vector<v1::RoleBinding>> RoleBindings::List(
    const Caller& caller) const {
  if (absl::Status s = MayDo(caller, Operation::kManageRoles); !s.ok()) {
    return s;
  }
  std::vector<v1::RoleBinding> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const domain::BindingKey& key : held_) {
    out.push_back(domain::BindingOf(key));
  }
  return out;
}

Grants RoleBindings::GrantsOf(
    const std::vector<std::string>& principals) const {
  Grants grants;
  absl::ReaderMutexLock lock(&mu_);
  for (const std::string& principal : principals) {
    for (auto it = held_.lower_bound({principal, 0, ""});
         it != held_.end() && std::get<0>(*it) == principal; ++it) {
      switch (std::get<1>(*it)) {
        case v1::ROLE_ADMIN:
          grants.admin = true;
          break;
        case v1::ROLE_AUDITOR:
          grants.auditor = true;
          break;
        case v1::ROLE_MANAGER:
          grants.councils.insert(std::get<2>(*it));
          break;
        case v1::ROLE_SUPPLIER:
          grants.suppliers.insert(std::get<2>(*it));
          break;
        default:
          break;
      }
    }
  }
  return grants;
}

bool RoleBindings::HasAdmin() const {
  absl::ReaderMutexLock lock(&mu_);
  for (const domain::BindingKey& key : held_) {
    if (std::get<1>(key) == v1::ROLE_ADMIN) return true;
  }
  return false;
}

std::vector<v1::RoleBinding> RoleBindings::BindingsOf(
    const std::string& principal) const {
  std::vector<v1::RoleBinding> out;
  absl::ReaderMutexLock lock(&mu_);
  for (auto it = held_.lower_bound({principal, 0, ""});
       it != held_.end() && std::get<0>(*it) == principal; ++it) {
    out.push_back(domain::BindingOf(*it));
  }
  return out;
}

absl::Status RoleBindings::Bootstrap(const v1::RoleBinding& binding) {
  absl::StatusOr<Change> change =
      Grant(Caller::System("svledger-bootstrap"), binding, "bootstrap");
  return change.status();
}

}  // namespace svledger::app
