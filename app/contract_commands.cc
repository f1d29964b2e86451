#include "app/contract_commands.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "eventstore/stream_reader.h"

namespace svledger::app {
namespace {

// A contract id names the stream "contract-<id>", so it takes a stream id's
// characters and its length less the prefix. Checked on the id itself, so
// that an error's offset and size are the caller's own.
absl::Status CheckContractId(const std::string& id,
                             const eventstore::Limits& limits) {
  eventstore::Limits own = limits;
  own.max_stream_id_bytes -= sizeof(domain::kContractStreamPrefix) - 1;
  return eventstore::ValidateStreamId(id, own, "contract_id");
}

}  // namespace

// One command on its way: read, replay check, decide, append, maybe again.
// Owns itself; deletes itself after calling `done`, then starts the next
// command queued on its contract.
class CommandRun {
 public:
  // `keyed`: the decision's events carry their own request ids
  // (ContractCommands::ExecuteKeyed); `request_id` is then empty.
  CommandRun(ContractCommands* commands, eventstore::EventStore* store,
             std::string contract_id, std::string request_id, Caller caller,
             ContractCommands::Decide decide, CommandDone done, bool keyed,
             std::string request_digest, ContractCommands::Authorize authorize)
      : commands_(commands),
        keyed_(keyed),
        store_(store),
        done_(std::move(done)),
        contract_id_(std::move(contract_id)),
        stream_(domain::ContractStream(contract_id_)),
        request_id_(std::move(request_id)),
        request_digest_(std::move(request_digest)),
        caller_(std::move(caller)),
        decide_(std::move(decide)),
        authorize_(std::move(authorize)) {}

  // Runs one attempt. May delete this object before returning.
  void Attempt() {
    ++attempts_;
    std::optional<absl::Status> done = ReadAndAppend();
    if (done.has_value()) Finish(*done);
  }

 private:
  // Rebuilds the contract, then either returns the status to finish with
  // (a replayed request, an empty decision, or a refusal), or starts the
  // append and returns nullopt; the append's completion (OnAppended)
  // finishes, possibly before this returns, so nothing may touch members
  // after AppendAsync.
  std::optional<absl::Status> ReadAndAppend() {
    if (cached_ == nullptr) cached_ = commands_->TakeCached(contract_id_);
    bool read_now = false;
    // Whether the caller may act on this contract is asked before anything
    // else, a retried request included: a replay answers only a caller who
    // could have sent it. A contract's parties never change once it is
    // registered, so a cached registration is enough to judge by.
    if (authorize_) {
      if (!cached_->state.registered && cached_->stale) {
        if (absl::Status s = CatchUp(); !s.ok()) return s;
        cached_->stale = false;
        read_now = true;
      }
      if (absl::Status s = authorize_(cached_->state); !s.ok()) return s;
    }
    if (!keyed_) {
      if (absl::Status s = FindEarlier(); !s.ok() || outcome_.replayed) {
        return s;
      }
    }
    // A cache this server kept current by its own appends needs no re-read:
    // the append's exact expected version catches anyone else's write, and
    // the retry after ABORTED re-reads.
    if (cached_->stale) {
      if (absl::Status s = CatchUp(); !s.ok()) return s;
      cached_->stale = false;
      read_now = true;
    }
    absl::StatusOr<domain::Decision> decided = decide_(cached_->state);
    if ((!decided.ok() || decided->empty()) && !read_now) {
      // A refusal (or nothing to do) is not checked by an append: make sure
      // it does not rest on a cache that missed another writer's events.
      if (absl::Status s = CatchUp(); !s.ok()) return s;
      // What the catch-up brought (another writer's registration) is
      // authorized before it is decided on.
      if (authorize_) {
        if (absl::Status s = authorize_(cached_->state); !s.ok()) return s;
      }
      decided = decide_(cached_->state);
    }
    if (!decided.ok()) {
      if (decided.status() == domain::NotRegisteredError()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "contract_id: no contract '", contract_id_, "' is registered"));
      }
      return decided.status();
    }
    if (keyed_) {
      if (absl::Status s = DropWritten(*decided); !s.ok()) return s;
    }
    if (decided->empty()) return absl::OkStatus();
    if (decided->size() > commands_->max_events_per_command()) {
      return absl::InternalError(
          absl::StrCat("a decision of ", decided->size(),
                       " events is more than one append "
                       "takes (",
                       commands_->max_events_per_command(), ")"));
    }
    decision_ = *std::move(decided);
    std::vector<eventstore::ProposedEvent> events;
    events.reserve(decision_.size());
    for (size_t i = 0; i < decision_.size(); ++i) {
      const domain::NewEvent& decided_event = decision_[i];
      eventstore::ProposedEvent& event = events.emplace_back();
      if (!keyed_) {
        event.id = domain::CommandEventId(contract_id_, request_id_,
                                          static_cast<int>(i));
        event.metadata.request_id = request_id_;
        event.metadata.request_digest = request_digest_;
      } else {
        event.id =
            domain::CommandEventId(contract_id_, decided_event.request_id, 0);
        event.metadata.request_id = decided_event.request_id;
      }
      event.type = decided_event.type;
      event.payload = decided_event.payload;
      event.metadata.actor = caller_.actor;
      event.metadata.authenticated_by = caller_.authenticated_by;
      event.metadata.on_behalf_of = decided_event.on_behalf_of;
    }
    const std::optional<uint64_t> last = cached_->last_version;
    store_->AppendAsync(
        stream_,
        last.has_value() ? eventstore::ExpectedVersion::Exact(*last)
                         : eventstore::ExpectedVersion::NoStream(),
        std::move(events), [this](absl::StatusOr<eventstore::AppendResult> r) {
          OnAppended(std::move(r));
        });
    return std::nullopt;
  }

  // For a keyed decision: INTERNAL for an event without its own request
  // id; after an append refused ALREADY_EXISTS, leaves out the events whose
  // ids the stream holds.
  absl::Status DropWritten(domain::Decision& decision) {
    for (const domain::NewEvent& e : decision) {
      if (e.request_id.empty()) {
        return absl::InternalError(
            "a keyed decision has an event without a request id");
      }
    }
    if (!drop_written_) return absl::OkStatus();
    domain::Decision kept;
    for (domain::NewEvent& e : decision) {
      absl::StatusOr<std::optional<eventstore::RecordedEvent>> written =
          store_->FindEvent(
              stream_, domain::CommandEventId(contract_id_, e.request_id, 0));
      if (!written.ok()) return written.status();
      if (!written->has_value()) kept.push_back(std::move(e));
    }
    decision = std::move(kept);
    return absl::OkStatus();
  }

  // Whether this request already ran: if so, sets outcome_ to its original
  // outcome (the position of its last event).
  absl::Status FindEarlier() {
    for (int i = 0;; ++i) {
      absl::StatusOr<std::optional<eventstore::RecordedEvent>> earlier =
          store_->FindEvent(
              stream_, domain::CommandEventId(contract_id_, request_id_, i));
      if (!earlier.ok()) return earlier.status();
      if (!earlier->has_value()) return absl::OkStatus();
      // Events written before digests carry none: those are taken as the
      // same request.
      const std::string& digest = (*earlier)->metadata.request_digest;
      if (i == 0 && !digest.empty() && !request_digest_.empty() &&
          digest != request_digest_) {
        return absl::AlreadyExistsError(absl::StrCat(
            "request_id: '", request_id_,
            "' was already used for a different request on this contract; "
            "use a new request id"));
      }
      outcome_.replayed = true;
      outcome_.position = (*earlier)->position;
      outcome_.stream_version = (*earlier)->stream_version;
    }
  }

  // Applies the stream's events after the cached version.
  absl::Status CatchUp() {
    const uint64_t from =
        cached_->last_version.has_value() ? *cached_->last_version + 1 : 0;
    return eventstore::ForEachStreamEvent(
        *store_, stream_, from, [this](const eventstore::RecordedEvent& e) {
          // An event the domain cannot apply is counted and skipped, as
          // projections do; it never stops the contract's commands.
          if (!domain::Apply(cached_->state, e.type, e.payload, e.recorded_time)
                   .ok()) {
            commands_->skipped_events_.fetch_add(1, std::memory_order_relaxed);
          }
          cached_->last_version = e.stream_version;
          return absl::OkStatus();
        });
  }

  void OnAppended(absl::StatusOr<eventstore::AppendResult> r) {
    if (r.ok()) {
      outcome_.position = r->last_position;
      outcome_.stream_version = r->last_stream_version;
      outcome_.replayed = r->deduplicated;
      outcome_.appended =
          r->deduplicated ? 0 : static_cast<int>(decision_.size());
      // Keep the cache current with what was just written, so the next
      // command need not read it back.
      bool applied = !r->deduplicated;
      for (const domain::NewEvent& e : decision_) {
        if (!applied) break;
        applied =
            domain::Apply(cached_->state, e.type, e.payload, r->recorded_time)
                .ok();
      }
      if (applied) {
        cached_->last_version = r->last_stream_version;
      } else {
        cached_->stale = true;
      }
      Finish(absl::OkStatus());
      return;
    }
    cached_->stale = true;  // a lost race, or an unknown outcome
    // An event of a keyed decision that the stream holds already, with
    // other content (its time, say): decide again and leave it out.
    const bool written_before =
        keyed_ && !drop_written_ &&
        r.status().code() == absl::StatusCode::kAlreadyExists;
    if (written_before) drop_written_ = true;
    if ((written_before || r.status().code() == absl::StatusCode::kAborted) &&
        attempts_ < ContractCommands::kMaxAttempts) {
      // Someone else wrote first. What beat us may be written but not yet
      // readable; re-read and decide again once it is.
      store_->Barrier([this](absl::Status ready) {
        if (ready.ok()) {
          Attempt();
        } else {
          Finish(ready);
        }
      });
      return;
    }
    Finish(r.status());
  }

  // Tells `done`, then starts the next command queued on the contract.
  // Everything that touches the engine for this command happens before
  // `done`: once told, the caller may destroy the engine (if nothing else
  // is in flight).
  void Finish(const absl::Status& status) {
    ContractCommands* commands = commands_;
    if (cached_ != nullptr) {
      commands->PutCached(contract_id_, std::move(cached_));
    }
    CommandRun* next = commands->TakeNext(contract_id_);
    CommandDone done = std::move(done_);
    absl::StatusOr<CommandOutcome> outcome = outcome_;
    if (!status.ok()) outcome = status;
    delete this;
    std::move(done)(std::move(outcome));
    if (next != nullptr) commands->Run(next);
  }

  ContractCommands* const commands_;
  const bool keyed_;
  // Set once an append of a keyed decision was refused ALREADY_EXISTS.
  bool drop_written_ = false;
  eventstore::EventStore* const store_;
  CommandDone done_;
  const std::string contract_id_;
  const std::string stream_;
  const std::string request_id_;
  const std::string request_digest_;
  const Caller caller_;
  const ContractCommands::Decide decide_;
  const ContractCommands::Authorize authorize_;
  // The decision of the attempt in flight.
  domain::Decision decision_;
  CommandOutcome outcome_;
  int attempts_ = 0;
  // The contract's state while this command runs; back to the cache after.
  std::unique_ptr<ContractCommands::CachedContract> cached_;
};

ContractCommands::ContractCommands(eventstore::EventStore* store)
    : store_(store) {}

size_t ContractCommands::max_events_per_command() const {
  return store_->limits().max_events_per_append;
}

void ContractCommands::Execute(const std::string& contract_id,
                               const std::string& request_id,
                               const Caller& caller, Decide decide,
                               CommandDone done,
                               const std::string& request_digest,
                               Authorize authorize) {
  if (absl::Status valid = domain::CheckRequestId(request_id); !valid.ok()) {
    std::move(done)(valid);
    return;
  }
  Start(contract_id, request_id, caller, std::move(decide), std::move(done),
        /*keyed=*/false, request_digest, std::move(authorize));
}

void ContractCommands::ExecuteKeyed(const std::string& contract_id,
                                    const Caller& caller, Decide decide,
                                    CommandDone done) {
  Start(contract_id, "", caller, std::move(decide), std::move(done),
        /*keyed=*/true, "", nullptr);
}

void ContractCommands::Start(const std::string& contract_id,
                             const std::string& request_id,
                             const Caller& caller, Decide decide,
                             CommandDone done, bool keyed,
                             const std::string& request_digest,
                             Authorize authorize) {
  // Checked fully by the domain; here only what the stream name needs.
  if (absl::Status valid = CheckContractId(contract_id, store_->limits());
      !valid.ok()) {
    std::move(done)(valid);
    return;
  }
  Enqueue(contract_id,
          new CommandRun(this, store_, contract_id, request_id, caller,
                         std::move(decide), std::move(done), keyed,
                         request_digest, std::move(authorize)));
}

void ContractCommands::Enqueue(const std::string& contract_id,
                               CommandRun* run) {
  {
    absl::MutexLock lock(&mu_);
    auto [it, idle] = busy_.try_emplace(contract_id);
    if (!idle) {
      it->second.push_back(run);
      return;
    }
  }
  Run(run);
}

CommandRun* ContractCommands::TakeNext(const std::string& contract_id) {
  absl::MutexLock lock(&mu_);
  auto it = busy_.find(contract_id);
  if (it == busy_.end()) return nullptr;
  if (it->second.empty()) {
    busy_.erase(it);
    return nullptr;
  }
  CommandRun* next = it->second.front();
  it->second.pop_front();
  return next;
}

void ContractCommands::Run(CommandRun* run) {
  // A command that finishes at once (a refusal, a replay) does so inside
  // Attempt and starts the next one queued: collect those and run them in
  // this loop instead of recursing once per queued command.
  thread_local std::vector<CommandRun*>* pending = nullptr;
  if (pending != nullptr) {
    pending->push_back(run);
    return;
  }
  std::vector<CommandRun*> work = {run};
  pending = &work;
  while (!work.empty()) {
    CommandRun* next = work.back();
    work.pop_back();
    next->Attempt();
  }
  pending = nullptr;
}

std::unique_ptr<ContractCommands::CachedContract> ContractCommands::TakeCached(
    const std::string& contract_id) {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(contract_id);
  if (it == cache_.end()) return std::make_unique<CachedContract>();
  std::unique_ptr<CachedContract> cached = std::move(it->second);
  cache_.erase(it);
  return cached;
}

void ContractCommands::PutCached(const std::string& contract_id,
                                 std::unique_ptr<CachedContract> cached) {
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCachedContracts) cache_.clear();
  cache_[contract_id] = std::move(cached);
}

}  // namespace svledger::app
