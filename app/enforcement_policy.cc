#include "app/enforcement_policy.h"

#include <pthread.h>

#include <algorithm>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/enforcement.h"
#include "domain/ids.h"
#include "domain/progress.h"

namespace svledger::app {
namespace {

// What the policy proposes for `state` at `now`.
std::vector<domain::PolicyEvent> Propose(const domain::ContractState& state,
                                         const v1::MeasureLibrary& library,
                                         const FrameworkStore& frameworks,
                                         absl::Time now) {
  const std::vector<v1::EnforcementStage> stages =
      domain::LadderStages(frameworks.LadderOf(state.contract.framework()));
  return domain::EvaluatePolicy(
      state, domain::BuildContractProgress(state, library, now), stages);
}

}  // namespace

EnforcementPolicy::EnforcementPolicy(ContractCommands* contracts,
                                     projections::ContractReadModel* model,
                                     const FrameworkStore* frameworks,
                                     Clock* clock,
                                     EnforcementPolicyOptions options)
    : contracts_(contracts),
      model_(model),
      frameworks_(frameworks),
      clock_(clock),
      options_(std::move(options)) {}

EnforcementPolicy::~EnforcementPolicy() { Stop(); }

absl::StatusOr<int> EnforcementPolicy::Evaluate(
    const std::string& contract_id) {
  auto library = frameworks_->LibraryOrEmpty();
  const absl::Time now = clock_->Now();
  // Judged on the projection first: most contracts have nothing to do, and
  // need not queue behind their commands to say so.
  std::string first_key;
  model_->current()->Read(contract_id, [&](const domain::ContractState& s) {
    std::vector<domain::PolicyEvent> proposed =
        Propose(s, *library, *frameworks_, now);
    if (!proposed.empty()) first_key = std::move(proposed.front().key);
  });
  const size_t most = contracts_->max_events_per_command();
  int appended = 0;
  while (!first_key.empty()) {
    // Decided again on the contract's current state: every proposal, or
    // the first `most` of them and the key of the rest.
    std::string rest_key;
    ContractCommands::Decide decide =
        [&, now, library](const domain::ContractState& state)
        -> absl::StatusOr<domain::Decision> {
      std::vector<domain::PolicyEvent> proposed =
          Propose(state, *library, *frameworks_, now);
      rest_key.clear();
      if (proposed.size() > most) rest_key = proposed[most].key;
      domain::Decision decision;
      decision.reserve(std::min(proposed.size(), most));
      for (domain::PolicyEvent& e : proposed) {
        if (decision.size() == most) break;
        decision.push_back({std::move(e.type), std::move(e.payload),
                            domain::PolicyRequestId(contract_id, e.key)});
      }
      return decision;
    };
    std::promise<absl::StatusOr<CommandOutcome>> promise;
    auto future = promise.get_future();
    contracts_->Execute(contract_id,
                        domain::PolicyRequestId(contract_id, first_key),
                        options_.actor, std::move(decide),
                        [&promise](absl::StatusOr<CommandOutcome> outcome) {
                          promise.set_value(std::move(outcome));
                        });
    absl::StatusOr<CommandOutcome> outcome = future.get();
    if (!outcome.ok()) return outcome.status();
    appended += outcome->appended;
    // A replayed request was appended before (the projection had not
    // applied it yet); its change brings the contract back here.
    if (outcome->replayed) break;
    first_key = std::move(rest_key);
  }
  return appended;
}

absl::StatusOr<EnforcementPolicy::SweepResult> EnforcementPolicy::Sweep() {
  std::vector<std::string> ids;
  model_->current()->Scan("", [&](const domain::ContractState& s) {
    ids.push_back(s.contract.contract_id());
    return true;
  });
  // Contracts are evaluated in parallel: each waits for its own appends,
  // and the log's group commit syncs those of many contracts at once.
  absl::Mutex mu;
  size_t next = 0;
  SweepResult result;
  absl::Status first_error;
  auto work = [&] {
    while (true) {
      size_t i;
      {
        absl::MutexLock lock(&mu);
        if (next == ids.size() || !first_error.ok()) return;
        if (stop_requested_.load(std::memory_order_relaxed)) {
          first_error = absl::CancelledError("the policy is stopping");
          return;
        }
        i = next++;
      }
      absl::StatusOr<int> appended = Evaluate(ids[i]);
      absl::MutexLock lock(&mu);
      if (!appended.ok()) {
        if (first_error.ok()) first_error = appended.status();
        return;
      }
      ++result.contracts;
      result.appended += *appended;
    }
  };
  const int workers = static_cast<int>(
      std::min<size_t>(std::max(1, options_.sweep_parallelism), ids.size()));
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  if (!first_error.ok()) return first_error;
  return result;
}

void EnforcementPolicy::Start() {
  listener_ =
      model_->AddListener([this](const projections::ContractChanges& changes) {
        // A rebuild changes nothing the policy judges, and neither does a
        // new report until it is verified.
        if (changes.all || changes.judged.empty()) return;
        absl::MutexLock lock(&mu_);
        changed_.insert(changes.judged.begin(), changes.judged.end());
      });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "svl-policy");
    Run();
  });
}

void EnforcementPolicy::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_requested_.store(true, std::memory_order_relaxed);
  if (listener_ != 0) model_->RemoveListener(listener_);
  if (thread_.joinable()) thread_.join();
}

void EnforcementPolicy::Run() {
  // The first sweep runs at once: time passed while the server was down.
  absl::Time next_sweep = absl::Now();
  while (true) {
    std::set<std::string> changed;
    bool sweep = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !changed_.empty();
      };
      mu_.AwaitWithDeadline(absl::Condition(&ready), next_sweep);
      if (stopping_) return;
      changed.swap(changed_);
      sweep = absl::Now() >= next_sweep;
    }
    // A failure is counted and tried again at the next change or sweep:
    // every decision is made again from the log, so nothing is lost.
    if (sweep) {
      if (!Sweep().ok()) failures_.fetch_add(1, std::memory_order_relaxed);
      next_sweep = absl::Now() + options_.sweep_interval;
      continue;
    }
    for (const std::string& id : changed) {
      if (!Evaluate(id).ok()) failures_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace svledger::app
