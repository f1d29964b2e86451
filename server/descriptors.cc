#include "server/descriptors.h"

#include <sys/resource.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace svledger::server {

uint64_t DescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  return limit.rlim_cur == RLIM_INFINITY ? uint64_t{1} << 20 : limit.rlim_cur;
}

uint64_t RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    // A failure leaves the lower limit, which PlanDescriptors works within.
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
  return DescriptorLimit();
}

absl::StatusOr<DescriptorPlan> PlanDescriptors(uint64_t limit,
                                               size_t max_connections,
                                               bool health_port) {
  DescriptorPlan plan;
  plan.limit = limit;
  const uint64_t storage = std::clamp<uint64_t>(limit / 4, 48, 4096);
  plan.log_files = static_cast<int>(storage * 2 / 3);
  plan.projection_files = static_cast<int>(storage - plan.log_files);
  plan.health_connections = health_port ? kHealthConnections : 0;
  const uint64_t taken =
      storage + kReservedDescriptors + plan.health_connections;
  if (limit < taken + 16) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the descriptor limit (RLIMIT_NOFILE) is ", limit, "; at least ",
        taken + 16, " are needed (raise it: ulimit -n)"));
  }
  plan.connections = std::min<uint64_t>(max_connections, limit - taken);
  return plan;
}

}  // namespace svledger::server
