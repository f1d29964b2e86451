#ifndef SVLEDGER_APP_CONTRACT_COMMANDS_H_
#define SVLEDGER_APP_CONTRACT_COMMANDS_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "app/caller.h"
#include "domain/contract.h"
#include "eventstore/event_store.h"

namespace svledger::app {

// What a command wrote, or found written.
struct CommandOutcome {
  // The log position and contract-stream version of the command's last
  // event; 0 when it decided nothing.
  uint64_t position = 0;
  uint64_t stream_version = 0;
  // The request id had run already: this is its original outcome and
  // nothing was written now.
  bool replayed = false;
  // Events written by this call.
  int appended = 0;
};

// Told a command's outcome, once, on some thread; must not block.
using CommandDone = absl::AnyInvocable<void(absl::StatusOr<CommandOutcome>) &&>;

// Calls `start` with a CommandDone and waits for the outcome it is told.
// For callers that may block (the demo loader, tests); never on the log's
// own threads, which tell the outcome.
template <typename Start>
absl::StatusOr<CommandOutcome> AwaitCommand(Start&& start) {
  std::promise<absl::StatusOr<CommandOutcome>> promise;
  std::future<absl::StatusOr<CommandOutcome>> outcome = promise.get_future();
  std::forward<Start>(start)(
      CommandDone([&promise](absl::StatusOr<CommandOutcome> told) {
        promise.set_value(std::move(told));
      }));
  return outcome.get();
}

// The command engine: every command on a contract's stream, whoever sends
// it (a front door or the enforcement policy), runs through Execute or
// ExecuteKeyed.
//
// Commands on one contract run one at a time, in arrival order (a single
// writer per contract inside this server), while different contracts
// proceed in parallel. Execute answers a retried request id from the log
// (an indexed lookup of its first event's id, domain::CommandEventId, and
// one more per further event it wrote), brings the contract's cached state
// up to date with the stream's new events (unless this server's own
// appends kept it current), decides against it, and appends every event
// of the decision in one atomic append with the stream's exact expected
// version. A lost race is re-read (after an EventStore::Barrier, so the
// re-read includes what beat it) and decided again: races then come only
// from other writers of the stream. Appends complete asynchronously, so no
// caller's thread waits; the next queued command of a contract starts from
// the completion of the one before, on the store's completer thread.
//
// Outcomes of `done`: OK with the outcome; INVALID_ARGUMENT for a bad
// request_id or contract_id; FAILED_PRECONDITION "contract_id: no
// contract ..." when the decision needs a registered contract; whatever
// else the decision returns; INTERNAL for a decision of more events than
// one append takes (nothing is written); ABORTED after kMaxAttempts lost
// races; the store's errors (UNAVAILABLE once it is closed).
//
// Thread-safe. The store must outlive it, and it must outlive every
// command in flight (it may be destroyed as soon as the last `done` has
// been called).
class ContractCommands {
 public:
  // How many times a command is re-read and decided again after losing a
  // race before the caller gets ABORTED.
  static constexpr int kMaxAttempts = 32;

  // Decides a command against the contract's current state: the events to
  // append, or why not. Called on some thread, possibly more than once (a
  // lost race decides again); must not block.
  using Decide = std::function<absl::StatusOr<domain::Decision>(
      const domain::ContractState&)>;

  // Says whether the caller may run the command on the contract as it
  // stands (Commands asks the access policy); called before the request is
  // looked up in the log, so that a retry is answered only to a caller who
  // may send it. Called on some thread, per attempt; must not block.
  using Authorize = std::function<absl::Status(const domain::ContractState&)>;

  explicit ContractCommands(eventstore::EventStore* store);

  // Runs a front door's command on `contract_id` as request `request_id`,
  // recording `caller`'s actor and how it authenticated on the events (and
  // each event's on_behalf_of). Whether the caller may is `authorize`'s to
  // say (Commands asks the access policy there). Event i of the decision gets
  // the id domain::CommandEventId(contract_id, request_id, i). A decision
  // with no event writes nothing and is answered OK with appended 0.
  // `request_digest` (RequestDigest; empty: none) is recorded with the
  // events: a request id that ran before with another digest is refused
  // ALREADY_EXISTS naming request_id, and nothing is written. `authorize`
  // (null: none) refuses before anything is looked up or decided.
  void Execute(const std::string& contract_id, const std::string& request_id,
               const Caller& caller, Decide decide, CommandDone done,
               const std::string& request_digest = "",
               Authorize authorize = nullptr);

  // Runs a decision whose events each carry a request id of their own
  // (domain::NewEvent::request_id; the enforcement policy's, keyed by what
  // they decide), so each is idempotent on its own: there is no request to
  // answer from the log, the decision is made against the current state,
  // and an event whose id the stream already holds (written before the
  // state showed it, say because the domain skipped it) is left out rather
  // than failing the append. INTERNAL for an event without a request id.
  void ExecuteKeyed(const std::string& contract_id, const Caller& caller,
                    Decide decide, CommandDone done);

  // The most events one decision may append (the log's limit per append).
  size_t max_events_per_command() const;

  // Contract-stream events skipped because the domain could not apply them
  // (for metrics; nonzero means the log holds something unexpected).
  uint64_t skipped_events() const {
    return skipped_events_.load(std::memory_order_relaxed);
  }

 private:
  friend class CommandRun;
  // Starts `run` now, or queues it behind the command running on its
  // contract.
  void Enqueue(const std::string& contract_id, class CommandRun* run);
  // Called when a contract's running command has finished: the next one
  // queued (now running), or null (the contract is idle).
  class CommandRun* TakeNext(const std::string& contract_id);
  // Runs `run`'s first attempt.
  void Run(class CommandRun* run);
  // Validates the contract id and queues a run.
  void Start(const std::string& contract_id, const std::string& request_id,
             const Caller& caller, Decide decide, CommandDone done, bool keyed,
             const std::string& request_digest, Authorize authorize);

  // A contract's state as of a stream version. Events never change, so a
  // cached prefix stays true; a command only applies what came after it.
  struct CachedContract {
    domain::ContractState state;
    std::optional<uint64_t> last_version;  // nullopt: nothing applied yet
    // The stream may hold events after last_version that this server did
    // not write (or a command lost a race): read them before deciding.
    bool stale = true;
  };
  // Most contracts cached at once; past it the cache starts again.
  static constexpr size_t kMaxCachedContracts = 20000;
  // Takes the contract's cached state (or an empty one). Only the command
  // running on the contract calls it, so nothing else holds the entry.
  std::unique_ptr<CachedContract> TakeCached(const std::string& contract_id);
  void PutCached(const std::string& contract_id,
                 std::unique_ptr<CachedContract> cached);

  eventstore::EventStore* const store_;

  // Events of contract streams that the domain could not apply (skipped).
  std::atomic<uint64_t> skipped_events_{0};

  absl::Mutex mu_;
  // Contracts with a command running -> the commands waiting behind it.
  absl::flat_hash_map<std::string, std::deque<class CommandRun*>> busy_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::unique_ptr<CachedContract>> cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_CONTRACT_COMMANDS_H_
