#ifndef SVLEDGER_APP_ENFORCEMENT_POLICY_H_
#define SVLEDGER_APP_ENFORCEMENT_POLICY_H_

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "app/contract_commands.h"
#include "app/framework_store.h"
#include "common/clock.h"
#include "projections/contract_read_model.h"

namespace svledger::app {

struct EnforcementPolicyOptions {
  // Real time between sweeps of every contract (the injected clock decides
  // what is due). Default one hour.
  absl::Duration sweep_interval = absl::Hours(1);
  // The actor of the policy's events. Default "svledger-policy".
  std::string actor = "svledger-policy";
  // Contracts a sweep has in flight at once, and changed contracts the
  // policy's thread has in flight at once: decided, their appends waiting
  // to be durable, so that the log's group commit syncs many together and
  // a large contract's decision, appended in parts, never holds up another
  // contract's. No thread waits on them. Default 256. Over 20,000 contracts
  // all falling short at once (sweep_bench --falling_behind, 2 cores, runs
  // of 3.1-4.4 s) the window mattered little from 64 up; 16 threads each
  // waiting on its own append, as before, took 7.1 s and 64 threads 5.2 s.
  int sweep_parallelism = 256;
  // Threads a sweep judges contracts with on the read model, before it
  // starts the commands of those the policy proposes anything for (from one
  // thread: more only contend with the log's writer). Default 2: a quiet
  // sweep of 20,000 contracts took 0.08-0.10 s on 2, 0.11-0.16 s on 1.
  int sweep_threads = 2;
};

// The enforcement policy as a process manager. What it decides is
// domain::EvaluatePolicy's; this class decides when, and appends. It
// evaluates a contract whenever the read model applies a change to it, and
// every contract on a sweep, because time alone turns a commitment from
// ON_TRACK to OFF_TRACK.
//
// It judges a contract on the read model first (most have nothing to do),
// then appends everything the policy proposes for it as one command
// through ContractCommands::ExecuteKeyed: one atomic append, one fsync (a
// decision larger than one append takes is appended in parts, each judged
// again). The command decides again against the contract's current stream
// state, and each event carries the request id derived from its
// deterministic key (domain::PolicyRequestId), so an event the log holds
// already is left out. So a restart, a projection rebuild, a re-delivered
// change or two sweeps at once never append an event twice, and a
// manager's command racing the policy wins or loses cleanly.
//
// Thread-safe. Everything passed in must outlive it.
class EnforcementPolicy {
 public:
  EnforcementPolicy(ContractCommands* contracts,
                    projections::ContractReadModel* model,
                    const FrameworkStore* frameworks, Clock* clock,
                    EnforcementPolicyOptions options = {});

  // Stop()s.
  ~EnforcementPolicy();

  // Starts the thread that evaluates changed contracts and sweeps. Changed
  // contracts are evaluated without waiting, up to sweep_parallelism at
  // once, one evaluation of a contract at a time (a contract that changes
  // again meanwhile is evaluated again after).
  void Start();
  // Stops it; waits for the contracts its thread is evaluating (a sweep in
  // progress takes no more). Idempotent. Does not wait for EvaluateAsync
  // calls made by others.
  void Stop();

  // Evaluates one contract at the clock's now and appends what the policy
  // proposes, waiting for the append. Returns how many events it appended
  // (not counting ones the log already held). Errors: the command's.
  absl::StatusOr<int> Evaluate(const std::string& contract_id);

  // Evaluate without waiting: `done` is told the outcome once, on some
  // thread (this one when there is nothing to do or the command is refused
  // at once; otherwise the log's completer thread); it must not block.
  using EvaluateDone = absl::AnyInvocable<void(absl::StatusOr<int>) &&>;
  void EvaluateAsync(const std::string& contract_id, EvaluateDone done);

  struct SweepResult {
    size_t contracts = 0;  // evaluated
    int appended = 0;      // events appended
  };
  // Evaluates every contract, sweep_parallelism at once. A contract whose
  // evaluation fails does not hold up the others: every contract is
  // evaluated, then the first failure is returned. CANCELLED once Stop was
  // called (the rest is judged at the next start's sweep).
  absl::StatusOr<SweepResult> Sweep();

  // Evaluations and sweeps of the background thread that failed (each is
  // tried again at the next change or sweep, from the log).
  uint64_t failures() const {
    return failures_.load(std::memory_order_relaxed);
  }
  // Sweeps the background thread has finished, failed or not.
  uint64_t sweeps() const { return sweeps_.load(std::memory_order_acquire); }

 private:
  struct Evaluation;
  // Whether the policy proposes anything for the contract as the read
  // model holds it.
  bool Proposes(const std::string& contract_id, absl::Time now) const;
  std::shared_ptr<Evaluation> NewEvaluation(const std::string& contract_id,
                                            absl::Time now,
                                            EvaluateDone done) const;
  // Decides `evaluation`'s contract again and appends what it proposes (in
  // parts, if it is more than one append takes), then tells its `done`.
  void Submit(std::shared_ptr<Evaluation> evaluation);
  void Run();

  ContractCommands* const contracts_;
  projections::ContractReadModel* const model_;
  const FrameworkStore* const frameworks_;
  Clock* const clock_;
  const EnforcementPolicyOptions options_;

  // The thread's work: shared with the callbacks of the evaluations it
  // starts, which may still be releasing the lock when it returns.
  struct Queue {
    absl::Mutex mu;
    // Contracts changed since their evaluation last started.
    std::set<std::string> changed ABSL_GUARDED_BY(mu);
    // Contracts being evaluated.
    std::set<std::string> in_flight ABSL_GUARDED_BY(mu);
    bool stopping ABSL_GUARDED_BY(mu) = false;
  };
  const std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
  uint64_t listener_ = 0;
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> sweeps_{0};
  // Set by Stop: a sweep in progress stops taking contracts.
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_ENFORCEMENT_POLICY_H_
