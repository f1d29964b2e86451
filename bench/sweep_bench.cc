// The enforcement policy's sweep over every contract: when nothing changed
// (the issue's target), or with --falling_behind when every commitment has
// just fallen short and the sweep opens every case.
//
//   sweep_bench [--contracts=20000] [--commitments=10] [--falling_behind]
//               [--json=FILE]
//
// Writes a log of contracts (commitments, a few verified deliveries each)
// into a fresh data directory, starts the server with an injected clock
// early in the contracts' life (every commitment ON_TRACK: nothing to
// record), then times EnforcementPolicy::Sweep.
//
// With --change_path, the policy's own thread instead: every contract
// changes at once after falling behind, and then so does one bystander
// contract with a single commitment. It reports how long the policy took
// over all the contracts and how long the bystander's case took to open
// (the issue's target: under a second, however large the others).

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "app/enforcement_policy.h"
#include "bench/contract_log.h"
#include "bench/scratch.h"
#include "common/clock.h"
#include "domain/contract.h"
#include "domain/enforcement.h"
#include "domain/progress.h"
#include "server/server.h"

ABSL_FLAG(int, contracts, 20000, "contracts in the log");
ABSL_FLAG(int, commitments, 10, "commitments per contract");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");
ABSL_FLAG(int, parallelism, 0,
          "contracts the sweep evaluates at once (0: the policy's default)");
ABSL_FLAG(int, threads, 0,
          "threads the sweep judges contracts with (0: the policy's default)");
ABSL_FLAG(bool, digest, false,
          "after the first sweep, print a digest of every contract stream's "
          "events (id, type, payload, actor and request id, in stream order; "
          "not the global positions, which concurrent sweeps interleave "
          "differently, nor the recorded times, which the set-up takes from "
          "the real clock): equal digests mean equal log contents");
ABSL_FLAG(bool, change_path, false,
          "measure the policy's thread judging changed contracts, and a "
          "bystander contract changed just after them (implies "
          "--falling_behind)");
ABSL_FLAG(int, timeout_seconds, 600,
          "--change_path: how long to wait for the policy");
ABSL_FLAG(bool, falling_behind, false,
          "judge two years in, when every commitment is short of its "
          "promise: the first sweep opens every case (one status change and "
          "one case per commitment), the next ones find nothing to do");

using namespace svledger;

// FNV-1a over every contract stream's events in (stream, version) order.
absl::StatusOr<std::pair<uint64_t, size_t>> ContractStreamsDigest(
    const eventstore::EventStore& store) {
  std::map<std::pair<std::string, uint64_t>, std::string> events;
  eventstore::ReadAllOptions options;
  options.filter.stream_prefixes = {"contract-"};
  for (uint64_t from = 1;;) {
    absl::StatusOr<eventstore::AllSlice> slice = store.ReadAll(from, options);
    if (!slice.ok()) return slice.status();
    for (const eventstore::RecordedEvent& e : slice->events) {
      events[{e.stream_id, e.stream_version}] =
          absl::StrCat(e.id.ToString(), "|", e.type, "|", e.payload, "|",
                       e.metadata.actor, "|", e.metadata.request_id);
    }
    if (slice->next_position > slice->head_position) break;
    from = slice->next_position;
  }
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](absl::string_view bytes) {
    for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  };
  for (const auto& [key, value] : events) {
    mix(key.first);
    mix(absl::StrCat("#", key.second, "=", value.size(), ":"));
    mix(value);
  }
  return std::pair{hash, events.size()};
}

// The policy's events in `contract`'s stream (at most 1,000 looked at).
size_t PolicyEvents(const eventstore::EventStore& store,
                    const std::string& contract) {
  size_t n = 0;
  for (uint64_t from = 0;;) {
    auto slice = store.ReadStream(domain::ContractStream(contract),
                                  {.from_version = from, .limit = 1000});
    if (!slice.ok() || slice->events.empty()) return n;
    for (const auto& e : slice->events) {
      if (e.metadata.actor == "svledger-policy") ++n;
    }
    from = slice->events.back().stream_version + 1;
  }
}

// Adds to `contract` a commitment that starts today, so is too early to
// judge: a change the policy looks at that changes no other judgement.
absl::Status Touch(app::Commands& commands, const std::string& contract) {
  v1::AddCommitmentsRequest add;
  add.set_request_id("bench-touch-" + contract);
  add.set_contract_id(contract);
  v1::Commitment* c = add.add_commitments();
  c->set_commitment_id("bench-touch");
  c->set_measure_id("jobs.new_local");
  c->set_target("1");
  *c->mutable_start() = domain::MakeDate(2027, 1, 1);
  *c->mutable_due() = domain::MakeDate(2029, 12, 31);
  std::promise<absl::Status> done;
  commands.AddCommitments(app::Caller::System("bench"), add,
                          [&done](absl::StatusOr<app::CommandOutcome> outcome) {
                            done.set_value(outcome.status());
                          });
  return done.get_future().get();
}

// What the policy will append for `contract` at `now`, judged as it judges
// (app/enforcement_policy.cc) on the read model.
size_t Proposals(server::Server& server, const std::string& contract,
                 absl::Time now) {
  size_t n = 0;
  const app::FrameworkStore& frameworks = server.app().framework_store();
  server.read_model().current()->Read(
      contract, [&](const domain::ContractState& state) {
        n = domain::EvaluatePolicy(
                state,
                domain::BuildContractProgress(
                    state, *frameworks.LibraryFor(state.contract.framework()),
                    now),
                domain::LadderStages(
                    frameworks.LadderOf(state.contract.framework())))
                .size();
      });
  return n;
}

// --change_path: returns the exit status.
int MeasureChangePath(server::Server& server, FakeClock& clock,
                      const bench::ContractLogShape& shape,
                      const std::string& bystander,
                      app::EnforcementPolicyOptions options) {
  app::EnforcementPolicy policy(&server.app().engine(), &server.read_model(),
                                &server.app().framework_store(), &clock,
                                options);
  policy.Start();  // its first sweep: nothing is due yet
  while (policy.sweeps() == 0) absl::SleepFor(absl::Milliseconds(1));
  clock.Set(domain::StartOfDay(domain::MakeDate(2027, 1, 1)));
  const eventstore::EventStore& store = server.store();
  std::vector<size_t> expected;
  size_t total = 0;
  for (int i = 0; i < shape.contracts; ++i) {
    expected.push_back(
        Proposals(server, bench::BenchContractId(i), clock.Now()));
    total += expected.back();
  }
  const size_t bystander_expected = Proposals(server, bystander, clock.Now());
  if (total == 0 || bystander_expected == 0) {
    std::fprintf(stderr, "nothing for the policy to do: no measurement\n");
    return 1;
  }
  const absl::Time t0 = absl::Now();
  for (int i = 0; i < shape.contracts; ++i) {
    if (absl::Status s =
            Touch(server.app().commands(), bench::BenchContractId(i));
        !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  const absl::Time t1 = absl::Now();
  if (absl::Status s = Touch(server.app().commands(), bystander); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  const absl::Time deadline =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
  absl::Time bystander_done = absl::InfinitePast();
  absl::Time all_done = absl::InfinitePast();
  int next = 0;
  while (absl::Now() < deadline) {
    if (bystander_done == absl::InfinitePast() &&
        PolicyEvents(store, bystander) >= bystander_expected) {
      bystander_done = absl::Now();
    }
    while (next < shape.contracts &&
           PolicyEvents(store, bench::BenchContractId(next)) >=
               expected[next]) {
      ++next;
    }
    if (next == shape.contracts && all_done == absl::InfinitePast()) {
      all_done = absl::Now();
    }
    if (bystander_done != absl::InfinitePast() &&
        all_done != absl::InfinitePast()) {
      break;
    }
    store.head_watcher().WaitFor(store.HeadPosition() + 1,
                                 absl::Now() + absl::Milliseconds(20));
  }
  policy.Stop();
  if (bystander_done == absl::InfinitePast() ||
      all_done == absl::InfinitePast()) {
    std::fprintf(stderr,
                 "the policy did not finish in time: %zu of %zu policy "
                 "events on %s, %zu on the bystander\n",
                 PolicyEvents(store, bench::BenchContractId(next)),
                 expected[next], bench::BenchContractId(next).c_str(),
                 PolicyEvents(store, bystander));
    return 1;
  }
  const double large = absl::ToDoubleSeconds(all_done - t0);
  const double waited = absl::ToDoubleSeconds(bystander_done - t1);
  std::printf(
      "change path: %d contracts x %d commitments, %zu policy events in "
      "%.3fs; bystander's case opened %.3fs after its change\n",
      shape.contracts, shape.commitments, total, large, waited);
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"enforcement_change_path\",\"contracts\":%d,"
        "\"commitments\":%d,\"seconds\":%.3f,"
        "\"bystander_case_seconds\":%.3f}\n",
        shape.contracts, shape.commitments, large, waited);
  }
  return policy.failures() == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As in production (services/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string dir = bench::ScratchDir("sbench");
  // Early in the contracts' life: too early to judge, nothing to record.
  const bool change_path = absl::GetFlag(FLAGS_change_path);
  const bool behind = absl::GetFlag(FLAGS_falling_behind) && !change_path;
  FakeClock clock(domain::StartOfDay(behind ? domain::MakeDate(2027, 1, 1)
                                            : domain::MakeDate(2025, 2, 1)));
  server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir;
  options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  options.clock = &clock;
  options.storage.sync = false;     // the set-up, not what is measured
  options.app.enforcement = false;  // the benchmark drives its own policy
  if (auto first = server::Server::Start(options); !first.ok()) {
    std::fprintf(stderr, "%s\n", first.status().ToString().c_str());
    return 1;
  }
  bench::ContractLogShape shape;
  shape.contracts = absl::GetFlag(FLAGS_contracts);
  shape.commitments = absl::GetFlag(FLAGS_commitments);
  shape.deliveries = 4;
  shape.measures = {"jobs.new_local", "apprenticeships.new",
                    "volunteering.hours", "spend.local_percent"};
  shape.ratio = {false, false, false, true};
  if (absl::StatusOr<uint64_t> written = bench::WriteContractLogTo(dir, shape);
      !written.ok()) {
    std::fprintf(stderr, "%s\n", written.status().ToString().c_str());
    return 1;
  }
  // The bystander: one contract with one commitment, after the others.
  bench::ContractLogShape bystander = shape;
  bystander.contracts = 1;
  bystander.commitments = 1;
  bystander.deliveries = 0;
  bystander.first_contract = shape.contracts;
  if (change_path) {
    if (auto written = bench::WriteContractLogTo(dir, bystander);
        !written.ok()) {
      std::fprintf(stderr, "%s\n", written.status().ToString().c_str());
      return 1;
    }
  }
  options.storage.sync =
      true;  // the policy's appends are measured as in production
  auto server = server::Server::Start(options);
  if (!server.ok()) return 1;
  app::EnforcementPolicyOptions policy_options;
  if (const int p = absl::GetFlag(FLAGS_parallelism); p > 0) {
    policy_options.sweep_parallelism = p;
  }
  if (const int t = absl::GetFlag(FLAGS_threads); t > 0) {
    policy_options.sweep_threads = t;
  }
  if (change_path) {
    const int status = MeasureChangePath(
        **server, clock, shape, bench::BenchContractId(shape.contracts),
        policy_options);
    (*server)->Shutdown();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return status;
  }
  app::EnforcementPolicy policy(
      &(*server)->app().engine(), &(*server)->read_model(),
      &(*server)->app().framework_store(), &clock, policy_options);
  double best = 1e9;
  size_t contracts = 0;
  int appended = 0;
  int first_appended = 0;
  for (int run = 0; run < 3; ++run) {
    const absl::Time t0 = absl::Now();
    auto swept = policy.Sweep();
    const double s = absl::ToDoubleSeconds(absl::Now() - t0);
    if (!swept.ok()) {
      std::fprintf(stderr, "%s\n", swept.status().ToString().c_str());
      return 1;
    }
    best = std::min(best, s);
    contracts = swept->contracts;
    appended += swept->appended;
    if (run == 0) first_appended = swept->appended;
    std::printf("sweep %d: %zu contracts, %d events appended, %.3fs\n", run,
                swept->contracts, swept->appended, s);
    if (run == 0 && absl::GetFlag(FLAGS_digest)) {
      auto digest = ContractStreamsDigest((*server)->store());
      if (!digest.ok()) {
        std::fprintf(stderr, "%s\n", digest.status().ToString().c_str());
        return 1;
      }
      std::printf("log digest: %016llx over %zu contract-stream events\n",
                  static_cast<unsigned long long>(digest->first),
                  digest->second);
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"enforcement_sweep\",\"contracts\":%d,"
        "\"commitments\":%d,\"best_seconds\":%.3f,\"appended\":%d}\n",
        static_cast<int>(contracts), shape.commitments, best, appended);
  }
  (*server)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  // Quiet: nothing to append. Falling behind: only the first sweep does.
  return (behind ? first_appended > 0 && appended == first_appended
                 : appended == 0)
             ? 0
             : 1;
}
