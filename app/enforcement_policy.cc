#include "app/enforcement_policy.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/enforcement.h"
#include "domain/ids.h"
#include "domain/progress.h"

namespace svledger::app {
namespace {

// What the policy proposes for `state` at `now`, judged by the library its
// framework version pins.
std::vector<domain::PolicyEvent> Propose(const domain::ContractState& state,
                                         const FrameworkStore& frameworks,
                                         absl::Time now) {
  const std::vector<v1::EnforcementStage> stages =
      domain::LadderStages(frameworks.LadderOf(state.contract.framework()));
  std::shared_ptr<const v1::MeasureLibrary> library =
      frameworks.LibraryFor(state.contract.framework());
  return domain::EvaluatePolicy(
      state, domain::BuildContractProgress(state, *library, now), stages);
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

// One contract's evaluation, across the appends it takes.
struct EnforcementPolicy::Evaluation {
  std::string contract_id;
  absl::Time now;
  int appended = 0;
  // Set by the decision: it left proposals for the next append (it was
  // larger than one append takes).
  bool more = false;
  EvaluateDone done;
};

absl::StatusOr<int> EnforcementPolicy::Evaluate(
    const std::string& contract_id) {
  std::promise<absl::StatusOr<int>> promise;
  std::future<absl::StatusOr<int>> done = promise.get_future();
  EvaluateAsync(contract_id, [&promise](absl::StatusOr<int> appended) {
    promise.set_value(std::move(appended));
  });
  return done.get();
}

bool EnforcementPolicy::Proposes(const std::string& contract_id,
                                 absl::Time now) const {
  bool proposes = false;
  model_->current()->Read(contract_id, [&](const domain::ContractState& s) {
    proposes = !Propose(s, *frameworks_, now).empty();
  });
  return proposes;
}

std::shared_ptr<EnforcementPolicy::Evaluation> EnforcementPolicy::NewEvaluation(
    const std::string& contract_id, absl::Time now, EvaluateDone done) const {
  auto evaluation = std::make_shared<Evaluation>();
  evaluation->contract_id = contract_id;
  evaluation->now = now;
  evaluation->done = std::move(done);
  return evaluation;
}

void EnforcementPolicy::EvaluateAsync(const std::string& contract_id,
                                      EvaluateDone done) {
  const absl::Time now = clock_->Now();
  // Judged on the projection first: most contracts have nothing to do, and
  // need not queue behind their commands to say so.
  if (!Proposes(contract_id, now)) {
    std::move(done)(0);
    return;
  }
  Submit(NewEvaluation(contract_id, now, std::move(done)));
}

void EnforcementPolicy::Submit(std::shared_ptr<Evaluation> evaluation) {
  const size_t most = contracts_->max_events_per_command();
  // Decided again on the contract's current state: every proposal, each
  // under the request id of its own key, or the first `most` of them.
  ContractCommands::Decide decide = [this, evaluation,
                                     most](const domain::ContractState& state)
      -> absl::StatusOr<domain::Decision> {
    std::vector<domain::PolicyEvent> proposed =
        Propose(state, *frameworks_, evaluation->now);
    evaluation->more = proposed.size() > most;
    domain::Decision decision;
    decision.reserve(std::min(proposed.size(), most));
    for (domain::PolicyEvent& e : proposed) {
      if (decision.size() == most) break;
      decision.push_back(
          {std::move(e.type), std::move(e.payload),
           domain::PolicyRequestId(evaluation->contract_id, e.key)});
    }
    return decision;
  };
  const std::string contract_id = evaluation->contract_id;
  contracts_->ExecuteKeyed(
      contract_id, Caller::System(options_.actor), std::move(decide),
      [this, evaluation](absl::StatusOr<CommandOutcome> outcome) mutable {
        if (!outcome.ok()) {
          std::move(evaluation->done)(outcome.status());
          return;
        }
        evaluation->appended += outcome->appended;
        // The rest of a decision larger than one append, judged again on
        // what this part changed (nothing more if it changed nothing).
        if (!evaluation->more || outcome->appended == 0) {
          std::move(evaluation->done)(evaluation->appended);
          return;
        }
        Submit(std::move(evaluation));
      });
}

absl::StatusOr<EnforcementPolicy::SweepResult> EnforcementPolicy::Sweep() {
  const absl::Status stopping = absl::CancelledError("the policy is stopping");
  if (stop_requested_.load(std::memory_order_relaxed)) return stopping;
  std::vector<std::string> ids;
  model_->current()->Scan("", [&](const domain::ContractState& s) {
    ids.push_back(s.contract.contract_id());
    return true;
  });
  const absl::Time now = clock_->Now();

  // First every contract is judged on the read model, sweep_threads at a
  // time: most have nothing to do.
  std::vector<char> proposes(ids.size(), 0);
  std::atomic<size_t> next{0};
  auto judge = [&] {
    for (size_t i; (i = next.fetch_add(1)) < ids.size();) {
      proposes[i] = Proposes(ids[i], now);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, options_.sweep_threads); ++t) {
    threads.emplace_back(judge);
  }
  judge();
  for (std::thread& t : threads) t.join();
  if (stop_requested_.load(std::memory_order_relaxed)) return stopping;

  // Then the others' commands, up to sweep_parallelism in flight, their
  // appends synced together by the log's group commit. Shared with the
  // callbacks, which may still be releasing the lock when the sweep
  // returns.
  struct Progress {
    absl::Mutex mu;
    size_t in_flight ABSL_GUARDED_BY(mu) = 0;
    SweepResult result ABSL_GUARDED_BY(mu);
    absl::Status first_error ABSL_GUARDED_BY(mu);
  };
  auto progress = std::make_shared<Progress>();
  const size_t window =
      static_cast<size_t>(std::max(1, options_.sweep_parallelism));
  size_t quiet = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!proposes[i]) {
      ++quiet;
      continue;
    }
    absl::ReleasableMutexLock lock(&progress->mu);
    auto room = [&progress, window]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                    progress->mu) { return progress->in_flight < window; };
    progress->mu.Await(absl::Condition(&room));
    if (stop_requested_.load(std::memory_order_relaxed)) {
      progress->first_error = stopping;
      break;
    }
    ++progress->in_flight;
    lock.Release();  // the command may finish, and lock, at once
    Submit(NewEvaluation(ids[i], now, [progress](absl::StatusOr<int> appended) {
      absl::MutexLock lock(&progress->mu);
      --progress->in_flight;
      if (!appended.ok()) {
        if (progress->first_error.ok()) {
          progress->first_error = appended.status();
        }
        return;
      }
      ++progress->result.contracts;
      progress->result.appended += *appended;
    }));
  }
  absl::MutexLock lock(&progress->mu);
  auto idle = [&progress]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(progress->mu) {
    return progress->in_flight == 0;
  };
  progress->mu.Await(absl::Condition(&idle));
  if (!progress->first_error.ok()) return progress->first_error;
  progress->result.contracts += quiet;
  return progress->result;
}

void EnforcementPolicy::Start() {
  listener_ =
      model_->AddListener([this](const projections::ContractChanges& changes) {
        // A rebuild changes nothing the policy judges, and neither does a
        // new report until it is verified.
        if (changes.all || changes.judged.empty()) return;
        absl::MutexLock lock(&queue_->mu);
        queue_->changed.insert(changes.judged.begin(), changes.judged.end());
      });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "svl-policy");
    Run();
  });
}

void EnforcementPolicy::Stop() {
  {
    absl::MutexLock lock(&queue_->mu);
    if (queue_->stopping) return;
    queue_->stopping = true;
  }
  stop_requested_.store(true, std::memory_order_relaxed);
  if (listener_ != 0) model_->RemoveListener(listener_);
  if (thread_.joinable()) thread_.join();
}

void EnforcementPolicy::Run() {
  const size_t window =
      static_cast<size_t>(std::max(1, options_.sweep_parallelism));
  Queue& q = *queue_;
  // A changed contract whose evaluation may start: not in flight already.
  auto startable = [&q]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(q.mu) {
    for (const std::string& id : q.changed) {
      if (!q.in_flight.contains(id)) return true;
    }
    return false;
  };
  // The first sweep runs at once: time passed while the server was down.
  absl::Time next_sweep = absl::Now();
  while (true) {
    std::vector<std::string> start;
    bool sweep = false;
    {
      absl::MutexLock lock(&q.mu);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(q.mu) {
        return q.stopping || (q.in_flight.size() < window && startable());
      };
      q.mu.AwaitWithDeadline(absl::Condition(&ready), next_sweep);
      if (q.stopping) {
        auto idle = [&q]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(q.mu) {
          return q.in_flight.empty();
        };
        q.mu.Await(absl::Condition(&idle));
        return;
      }
      sweep = absl::Now() >= next_sweep;
      if (sweep) {
        // One evaluation of a contract at a time, and one window: the
        // sweep starts once the changed contracts in flight are done.
        auto idle = [&q]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(q.mu) {
          return q.in_flight.empty();
        };
        q.mu.Await(absl::Condition(&idle));
      }
      for (auto it = q.changed.begin();
           !sweep && it != q.changed.end() &&
           q.in_flight.size() + start.size() < window;) {
        if (q.in_flight.contains(*it)) {
          ++it;
          continue;
        }
        start.push_back(*it);
        it = q.changed.erase(it);
      }
      q.in_flight.insert(start.begin(), start.end());
    }
    // A failure is counted and tried again at the next change or sweep:
    // every decision is made again from the log, so nothing is lost.
    if (sweep) {
      if (!Sweep().ok()) failures_.fetch_add(1, std::memory_order_relaxed);
      sweeps_.fetch_add(1, std::memory_order_release);
      next_sweep = absl::Now() + options_.sweep_interval;
      continue;
    }
    for (std::string& id : start) {
      const std::string contract_id = id;
      EvaluateAsync(contract_id, [this, queue = queue_, id = std::move(id)](
                                     absl::StatusOr<int> appended) {
        if (!appended.ok()) failures_.fetch_add(1, std::memory_order_relaxed);
        // After this, `this` may be gone (Stop waits for nothing more).
        absl::MutexLock lock(&queue->mu);
        queue->in_flight.erase(id);
      });
    }
  }
}

}  // namespace svledger::app
