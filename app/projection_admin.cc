#include "app/projection_admin.h"

#include "absl/strings/str_cat.h"
#include "app/access_policy.h"

namespace svledger::app {
namespace {

constexpr char kContracts[] = "contracts";

absl::Status CheckName(const std::string& name) {
  if (name != kContracts) {
    return absl::NotFoundError(absl::StrCat(
        "name: no projection '", name, "' (there is \"", kContracts, "\")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ProjectionAdmin::Rebuild(const Caller& caller,
                                      const std::string& name) {
  if (absl::Status s = MayDo(caller, Operation::kOperateProjections); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  return model_->StartRebuild();
}

absl::StatusOr<v1::ProjectionStatus> ProjectionAdmin::Status(
    const Caller& caller, const std::string& name) const {
  if (absl::Status s = MayDo(caller, Operation::kReadProjectionStatus);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  const projections::ReadModelStatus status = model_->status();
  v1::ProjectionStatus out;
  out.set_name(kContracts);
  out.set_generation(status.generation);
  out.set_applied_position(status.applied);
  out.set_head_position(store_->HeadPosition());
  out.set_skipped_events(status.skipped);
  out.set_rebuilding(status.rebuilding);
  out.set_rebuild_position(status.rebuild_applied);
  out.set_last_rebuild_error(status.last_rebuild_error);
  return out;
}

}  // namespace svledger::app
