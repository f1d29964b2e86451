#include "projections/contract_projection.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <iterator>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "projections/format.h"

namespace svledger::projections {
namespace {

// How long the follower waits for the log to grow before checking whether
// it should stop.
constexpr absl::Duration kFollowPoll = absl::Milliseconds(200);

// A record a batch changed: kind ('h', 'm' or 'd'), and the keys of its
// contract and record in the state's maps (stable: entries are never
// erased once applied). Compared by address, which is enough to dedupe.
struct RecordRef {
  char kind;
  const std::string* contract;
  const std::string* record;
  friend bool operator<(const RecordRef& a, const RecordRef& b) {
    return std::tie(a.contract, a.kind, a.record) <
           std::tie(b.contract, b.kind, b.record);
  }
  friend bool operator==(const RecordRef& a, const RecordRef& b) = default;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ContractProjection>> ContractProjection::Load(
    ContractProjectionOptions options) {
  if (options.store == nullptr || options.table == nullptr) {
    return absl::InvalidArgumentError("store and table are required");
  }
  std::unique_ptr<ContractProjection> p(
      new ContractProjection(std::move(options)));
  ProjectionTable& table = *p->options_.table;
  for (auto [key, counter] : {std::pair{format::kCheckpointKey, &p->applied_},
                              std::pair{format::kSkippedKey, &p->skipped_}}) {
    absl::StatusOr<std::optional<std::string>> value = table.Get(key);
    if (!value.ok()) return value.status();
    if (!value->has_value()) continue;
    absl::StatusOr<uint64_t> n = format::DecodeU64(**value);
    if (!n.ok()) return n.status();
    counter->store(*n);
  }
  ContractProjection* const self = p.get();
  absl::MutexLock lock(&self->mu_);
  // ForEach calls it while `lock` is held.
  auto load = [&](absl::string_view key, absl::string_view value)
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                    return format::LoadRecord(key, value, self->contracts_);
                  };
  absl::Status s = table.ForEach(format::kContractPrefix, load);
  if (!s.ok()) return s;
  for (const auto& [id, state] : self->contracts_) {
    if (!state.registered) {
      return absl::DataLossError(
          absl::StrCat("projection ", table.cf_name(), ": contract '", id,
                       "' has records but no registration"));
    }
  }
  return p;
}

ContractProjection::~ContractProjection() { Stop(); }

absl::Status ContractProjection::failure() const {
  absl::MutexLock lock(&follow_mu_);
  return failure_;
}

absl::StatusOr<bool> ContractProjection::Step(
    uint32_t max_events, ProjectionTable::Logging logging) {
  absl::StatusOr<Batch> batch = ReadBatch(applied() + 1, max_events);
  if (!batch.ok()) return batch.status();
  if (batch->next <= applied() + 1) return false;
  if (absl::Status s = ApplyBatch(*std::move(batch), logging); !s.ok()) {
    return s;
  }
  return true;
}

absl::StatusOr<ContractProjection::Batch> ContractProjection::ReadBatch(
    uint64_t from, uint32_t max_events) const {
  eventstore::ReadAllOptions read;
  read.filter.stream_prefixes = {domain::kContractStreamPrefix};
  std::vector<eventstore::RecordedEvent> events;
  uint64_t next = from;
  while (events.size() < max_events) {
    read.limit = std::min<uint32_t>(max_events - events.size(),
                                    options_.store->limits().max_read_limit);
    absl::StatusOr<eventstore::AllSlice> slice =
        options_.store->ReadAll(next, read);
    if (!slice.ok()) return slice.status();
    if (slice->next_position <= next) break;  // at the head
    next = slice->next_position;
    std::move(slice->events.begin(), slice->events.end(),
              std::back_inserter(events));
  }
  return Batch{std::move(events), next};
}

absl::Status ContractProjection::ApplyBatch(Batch batch,
                                            ProjectionTable::Logging logging) {
  const std::vector<eventstore::RecordedEvent>& events = batch.events;
  const uint64_t checkpoint = batch.next - 1;

  std::vector<RecordRef> touched;
  std::vector<const std::string*> changed;
  std::vector<const std::string*> judged;
  uint64_t skipped = 0;
  // Events come in runs of one stream; remember the last contract.
  std::string last_stream;
  std::map<std::string, domain::ContractState>::iterator last;
  for (size_t begin = 0; begin < events.size();
       begin += options_.events_per_lock) {
    const size_t end =
        std::min(events.size(), begin + options_.events_per_lock);
    absl::MutexLock lock(&mu_);
    for (size_t i = begin; i < end; ++i) {
      const eventstore::RecordedEvent& e = events[i];
      bool inserted = false;
      if (last_stream != e.stream_id) {
        std::tie(last, inserted) = contracts_.try_emplace(
            e.stream_id.substr(sizeof(domain::kContractStreamPrefix) - 1));
        last_stream = e.stream_id;
      }
      domain::Touched t;
      if (!domain::Apply(last->second, e.type, e.payload, e.recorded_time,
                         {e.metadata.actor, e.metadata.on_behalf_of}, &t)
               .ok()) {
        ++skipped;
        if (inserted) {
          contracts_.erase(last);
          last_stream.clear();
        }
        continue;
      }
      const std::string* id = &last->first;
      if (t.contract) touched.push_back({'h', id, nullptr});
      for (const std::string* c : t.commitments) {
        touched.push_back({'m', id, c});
      }
      if (t.delivery != nullptr) touched.push_back({'d', id, t.delivery});
      if (t.corrected != nullptr) touched.push_back({'d', id, t.corrected});
      if (changed.empty() || changed.back() != id) changed.push_back(id);
      if (domain::CanChangeJudgement(e.type) &&
          (judged.empty() || judged.back() != id)) {
        judged.push_back(id);
      }
    }
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());

  std::vector<std::pair<std::string, std::string>> puts;
  puts.reserve(touched.size() + 2);
  {
    absl::ReaderMutexLock lock(&mu_);
    const domain::ContractState* state = nullptr;
    const std::string* state_id = nullptr;
    for (const RecordRef& r : touched) {
      if (r.contract != state_id) {
        state_id = r.contract;
        state = &contracts_.at(*r.contract);
      }
      switch (r.kind) {
        case 'h':
          puts.emplace_back(format::ContractKey(*r.contract),
                            format::EncodeContract(*state));
          break;
        case 'm':
          puts.emplace_back(
              format::CommitmentKey(*r.contract, *r.record),
              format::EncodeCommitment(state->commitments.at(*r.record)));
          break;
        default:
          puts.emplace_back(
              format::DeliveryKey(*r.contract, *r.record),
              format::EncodeDelivery(state->deliveries.at(*r.record)));
          break;
      }
    }
  }
  puts.emplace_back(format::kCheckpointKey, format::EncodeU64(checkpoint));
  if (skipped > 0) {
    puts.emplace_back(format::kSkippedKey,
                      format::EncodeU64(this->skipped() + skipped));
  }
  if (absl::Status s = WriteUntilStopped(puts, logging); !s.ok()) return s;
  skipped_.fetch_add(skipped, std::memory_order_relaxed);
  applied_.store(checkpoint, std::memory_order_release);
  if (options_.on_applied) {
    auto sorted = [](const std::vector<const std::string*>& from) {
      std::vector<std::string> ids;
      ids.reserve(from.size());
      for (const std::string* id : from) ids.push_back(*id);
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      return ids;
    };
    options_.on_applied(checkpoint,
                        {checkpoint, sorted(changed), sorted(judged), false});
  }
  return absl::OkStatus();
}

absl::Status ContractProjection::WriteUntilStopped(
    const std::vector<std::pair<std::string, std::string>>& puts,
    ProjectionTable::Logging logging) {
  absl::Status s = options_.table->Write(puts, logging);
  // The batch is applied in memory already: applying it again would count
  // it twice, so a failed write (a full disk) is retried as it is, the
  // database resumed first, until it lands or the follower stops. Queries
  // keep answering from memory meanwhile. A rebuild's unlogged writes are
  // not retried: its table is dropped and the rebuild fails.
  absl::Duration backoff = absl::Milliseconds(100);
  bool told = false;
  auto retryable = [](const absl::Status& status) {
    // A full disk or an I/O error may pass; anything else will not.
    return absl::IsResourceExhausted(status) || absl::IsInternal(status) ||
           absl::IsUnavailable(status);
  };
  while (!s.ok() && logging == ProjectionTable::Logging::kLogged &&
         retryable(s)) {
    if (!told) {
      std::fprintf(stderr,
                   "projections: cannot save applied events (%s); retrying "
                   "until it works\n",
                   s.ToString().c_str());
      told = true;
    }
    {
      absl::MutexLock lock(&follow_mu_);
      if (follow_mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff)) {
        return s;
      }
    }
    backoff = std::min(backoff * 2, absl::Seconds(2));
    (void)options_.table->Resume();  // the next write says whether it did
    s = options_.table->Write(puts, logging);
  }
  if (told && s.ok()) {
    std::fprintf(stderr, "projections: saving applied events again\n");
  }
  return s;
}

absl::Status ContractProjection::CatchUp() {
  return CatchUpWith(ProjectionTable::Logging::kLogged);
}

absl::Status ContractProjection::CatchUpUnlogged() {
  if (absl::Status s = CatchUpWith(ProjectionTable::Logging::kUnlogged);
      !s.ok()) {
    return s;
  }
  return options_.table->Flush();
}

absl::Status ContractProjection::CatchUpWith(ProjectionTable::Logging logging) {
  const uint64_t head = options_.store->HeadPosition();
  const uint32_t max = options_.catch_up_batch_events;
  uint64_t from = applied() + 1;
  if (from > head) return absl::OkStatus();
  // Reading and decoding the next batch (on another thread) overlaps
  // applying and writing this one.
  auto read = [this, max](uint64_t at) { return ReadBatch(at, max); };
  std::future<absl::StatusOr<Batch>> next =
      std::async(std::launch::async, read, from);
  while (true) {
    absl::StatusOr<Batch> batch = next.get();
    if (!batch.ok()) return batch.status();
    if (batch->next <= from) break;  // at the head
    from = batch->next;
    const bool more = from <= head;
    if (more) next = std::async(std::launch::async, read, from);
    if (absl::Status s = ApplyBatch(*std::move(batch), logging); !s.ok()) {
      if (more) next.wait();
      return s;
    }
    if (!more) break;
  }
  return absl::OkStatus();
}

void ContractProjection::Follow() {
  {
    absl::MutexLock lock(&follow_mu_);
    stopping_ = false;
  }
  follower_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "svl-project");
    while (true) {
      {
        absl::MutexLock lock(&follow_mu_);
        if (stopping_) return;
      }
      absl::StatusOr<bool> progressed =
          Step(options_.batch_events, ProjectionTable::Logging::kLogged);
      if (!progressed.ok()) {
        absl::MutexLock lock(&follow_mu_);
        failure_ = progressed.status();
        return;
      }
      if (!*progressed &&
          options_.store->head_watcher().WaitFor(applied() + 1,
                                                 absl::Now() + kFollowPoll) &&
          options_.follow_delay > absl::ZeroDuration()) {
        // Let a few group commits gather: one batch for many commits costs
        // far less than one each.
        absl::SleepFor(options_.follow_delay);
      }
    }
  });
}

void ContractProjection::Stop() {
  {
    absl::MutexLock lock(&follow_mu_);
    stopping_ = true;
  }
  if (follower_.joinable()) follower_.join();
}

bool ContractProjection::Read(
    const std::string& contract_id,
    absl::FunctionRef<void(const domain::ContractState&)> fn) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = contracts_.find(contract_id);
  if (it == contracts_.end()) return false;
  fn(it->second);
  return true;
}

void ContractProjection::Scan(
    absl::string_view start_after,
    absl::FunctionRef<bool(const domain::ContractState&)> fn) const {
  absl::ReaderMutexLock lock(&mu_);
  for (auto it = contracts_.upper_bound(std::string(start_after));
       it != contracts_.end(); ++it) {
    if (!fn(it->second)) return;
  }
}

size_t ContractProjection::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return contracts_.size();
}

std::map<std::string, std::string> ContractProjection::Records() const {
  std::map<std::string, std::string> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [id, state] : contracts_) format::EncodeAll(state, out);
  return out;
}

}  // namespace svledger::projections
