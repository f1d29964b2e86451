#include "projections/contract_projection.h"

#include <pthread.h>

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

// A record a batch changed: kind ('h', 'm' or 'd'), contract id, record id.
using RecordRef = std::tuple<char, std::string, std::string>;

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
  absl::MutexLock lock(&p->mu_);
  absl::Status s =
      table.ForEach(format::kContractPrefix,
                    [&](absl::string_view key, absl::string_view value) {
                      return format::LoadRecord(key, value, p->contracts_);
                    });
  if (!s.ok()) return s;
  for (const auto& [id, state] : p->contracts_) {
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

absl::StatusOr<bool> ContractProjection::Step() {
  const uint64_t from = applied() + 1;
  eventstore::ReadAllOptions read;
  read.limit = options_.batch_events;
  read.filter.stream_prefixes = {domain::kContractStreamPrefix};
  absl::StatusOr<eventstore::AllSlice> slice =
      options_.store->ReadAll(from, read);
  if (!slice.ok()) return slice.status();
  if (slice->next_position <= from) return false;
  const uint64_t checkpoint = slice->next_position - 1;

  std::set<RecordRef> touched;
  std::set<std::string> changed;
  uint64_t skipped = 0;
  const auto& events = slice->events;
  for (size_t begin = 0; begin < events.size();
       begin += options_.events_per_lock) {
    const size_t end =
        std::min(events.size(), begin + options_.events_per_lock);
    absl::MutexLock lock(&mu_);
    for (size_t i = begin; i < end; ++i) {
      const eventstore::RecordedEvent& e = events[i];
      std::string id =
          e.stream_id.substr(sizeof(domain::kContractStreamPrefix) - 1);
      auto [it, inserted] = contracts_.try_emplace(id);
      domain::Touched t;
      if (!domain::Apply(it->second, e.type, e.payload, e.recorded_time, &t)
               .ok()) {
        ++skipped;
        if (inserted) contracts_.erase(it);
        continue;
      }
      if (t.contract) touched.emplace('h', id, "");
      for (std::string& c : t.commitments) {
        touched.emplace('m', id, std::move(c));
      }
      if (!t.delivery.empty()) touched.emplace('d', id, std::move(t.delivery));
      changed.insert(std::move(id));
    }
  }

  std::vector<std::pair<std::string, std::string>> puts;
  puts.reserve(touched.size() + 2);
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [kind, contract_id, record_id] : touched) {
      const domain::ContractState& state = contracts_.at(contract_id);
      switch (kind) {
        case 'h':
          puts.emplace_back(format::ContractKey(contract_id),
                            format::EncodeContract(state));
          break;
        case 'm':
          puts.emplace_back(
              format::CommitmentKey(contract_id, record_id),
              format::EncodeCommitment(state.commitments.at(record_id)));
          break;
        default:
          puts.emplace_back(
              format::DeliveryKey(contract_id, record_id),
              format::EncodeDelivery(state.deliveries.at(record_id)));
          break;
      }
    }
  }
  puts.emplace_back(format::kCheckpointKey, format::EncodeU64(checkpoint));
  if (skipped > 0) {
    puts.emplace_back(format::kSkippedKey,
                      format::EncodeU64(this->skipped() + skipped));
  }
  if (absl::Status s = options_.table->Write(puts); !s.ok()) return s;
  skipped_.fetch_add(skipped, std::memory_order_relaxed);
  applied_.store(checkpoint, std::memory_order_release);
  if (options_.on_applied) {
    options_.on_applied(
        checkpoint, std::vector<std::string>(changed.begin(), changed.end()));
  }
  return true;
}

absl::Status ContractProjection::CatchUp() {
  const uint64_t head = options_.store->HeadPosition();
  while (applied() < head) {
    absl::StatusOr<bool> progressed = Step();
    if (!progressed.ok()) return progressed.status();
    if (!*progressed) break;
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
      absl::StatusOr<bool> progressed = Step();
      if (!progressed.ok()) {
        absl::MutexLock lock(&follow_mu_);
        failure_ = progressed.status();
        return;
      }
      if (!*progressed) {
        options_.store->head_watcher().WaitFor(applied() + 1,
                                               absl::Now() + kFollowPoll);
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
