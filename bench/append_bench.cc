// Durable appends over gRPC on loopback.
//
//   append_bench [--target=HOST:PORT] --clients=32 --events_per_append=1
//                [--payload_bytes=200] [--seconds=10] [--json=FILE]
//
// Each of N clients keeps one Append in flight on its own stream, with an
// exact expected version, and sends the next as soon as the last returns.
// Without --target it starts an svledger server in this process on a
// temporary data directory (fsync on, as in production). --noop measures a
// bare unary round trip instead, for comparison. Prints events/s,
// appends/s and latency percentiles, and writes them as JSON with --json.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/latency.h"
#include "common/random.h"
#include "common/uuid.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "server/server.h"
#include "svledger/v1/event_log.grpc.pb.h"

ABSL_FLAG(std::string, target, "",
          "server to load; empty: start one in-process on a temp dir");
ABSL_FLAG(int, clients, 32, "concurrent clients, one append in flight each");
ABSL_FLAG(int, events_per_append, 1, "events in each append");
ABSL_FLAG(int, payload_bytes, 200, "bytes of payload per event");
ABSL_FLAG(int, channels, 4,
          "gRPC channels (TCP connections) shared by clients");
ABSL_FLAG(double, seconds, 10, "measured duration");
ABSL_FLAG(double, warmup_seconds, 2, "unmeasured warm-up");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");
ABSL_FLAG(bool, sync, true, "in-process server: fsync each commit");
ABSL_FLAG(std::string, client_api, "callback",
          "callback: gRPC's callback API and its internal threads (drives "
          "appends best here); cq: one thread polls a CompletionQueue (the "
          "leanest client: use it with --noop for the server's ceiling)");
ABSL_FLAG(bool, noop, false,
          "send ReadAll at the head instead of Append: the bare gRPC round "
          "trip, the ceiling for any unary call with this client here");

namespace {

namespace v1 = svledger::v1;

struct Shared {
  absl::Time measure_from;
  absl::Time measure_until;
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};
  std::atomic<uint64_t> errors{0};
  absl::Mutex mu;
  std::string first_error ABSL_GUARDED_BY(mu);
};

// One client: an append in flight at all times until told to stop.
class Client {
 public:
  Client(v1::EventLog::Stub* stub, Shared* shared, int id, int events,
         int payload_bytes)
      : stub_(stub), shared_(shared), random_(id + 1) {
    request_.set_stream_id(absl::StrCat("bench-", getpid(), "-", id));
    request_.mutable_no_stream();
    const std::string payload(payload_bytes, 'v');
    for (int i = 0; i < events; ++i) {
      v1::ProposedEvent* e = request_.add_events();
      e->set_type("DeliveryReported");
      e->set_payload(payload);
      e->mutable_metadata()->set_actor("bench");
    }
    latencies_us_.reserve(1 << 16);
  }

  void Start() {
    shared_->running++;
    Send();
  }

  const std::vector<int64_t>& latencies_us() const { return latencies_us_; }
  uint64_t measured_events() const { return measured_events_; }

 private:
  void Send() {
    if (absl::GetFlag(FLAGS_noop)) {
      context_ = std::make_unique<grpc::ClientContext>();
      sent_ = absl::Now();
      noop_request_.set_from_position(1ull << 62);
      stub_->async()->ReadAll(context_.get(), &noop_request_, &noop_response_,
                              [this](grpc::Status status) { Done(status); });
      return;
    }
    for (v1::ProposedEvent& e : *request_.mutable_events()) {
      e.set_event_id(svledger::Uuid::Random(random_).ToString());
    }
    context_ = std::make_unique<grpc::ClientContext>();
    sent_ = absl::Now();
    stub_->async()->Append(context_.get(), &request_, &response_,
                           [this](grpc::Status status) { Done(status); });
  }

  void Done(const grpc::Status& status) {
    const absl::Time now = absl::Now();
    if (status.ok()) {
      if (sent_ >= shared_->measure_from && now <= shared_->measure_until) {
        latencies_us_.push_back(absl::ToInt64Microseconds(now - sent_));
        measured_events_ +=
            absl::GetFlag(FLAGS_noop) ? 1 : request_.events_size();
      }
      if (!absl::GetFlag(FLAGS_noop)) {
        request_.set_exact(response_.last_stream_version());
      }
    } else {
      shared_->errors++;
      absl::MutexLock lock(&shared_->mu);
      if (shared_->first_error.empty()) {
        shared_->first_error = status.error_message();
      }
    }
    if (shared_->stop.load() || now > shared_->measure_until) {
      shared_->running--;
      return;
    }
    Send();  // non-blocking: issues the next call from the callback
  }

  v1::EventLog::Stub* stub_;
  Shared* shared_;
  svledger::SeededRandom random_;
  v1::AppendRequest request_;
  v1::AppendResponse response_;
  v1::ReadAllRequest noop_request_;
  v1::ReadAllResponse noop_response_;
  std::unique_ptr<grpc::ClientContext> context_;
  absl::Time sent_;
  std::vector<int64_t> latencies_us_;
  uint64_t measured_events_ = 0;
};

// The same closed loop as Client, driven by one thread polling a
// CompletionQueue: fewer threads and hand-offs than the callback API, so
// less of the machine goes to the measuring instrument.
class CqClients {
 public:
  CqClients(std::vector<std::unique_ptr<v1::EventLog::Stub>>* stubs,
            Shared* shared, int clients, int events, int payload_bytes)
      : stubs_(stubs), shared_(shared) {
    const std::string payload(payload_bytes, 'v');
    for (int i = 0; i < clients; ++i) {
      auto slot = std::make_unique<Slot>(i + 1);
      slot->stub = (*stubs_)[i % stubs_->size()].get();
      slot->request.set_stream_id(absl::StrCat("bench-", getpid(), "-", i));
      slot->request.mutable_no_stream();
      for (int e = 0; e < events; ++e) {
        v1::ProposedEvent* pe = slot->request.add_events();
        pe->set_type("DeliveryReported");
        pe->set_payload(payload);
        pe->mutable_metadata()->set_actor("bench");
      }
      slot->latencies_us.reserve(1 << 16);
      slots_.push_back(std::move(slot));
    }
  }

  // Runs until the measurement window closes and every call has returned.
  void Run() {
    for (auto& slot : slots_) Send(*slot);
    int in_flight = static_cast<int>(slots_.size());
    void* tag;
    bool ok;
    while (in_flight > 0 && cq_.Next(&tag, &ok)) {
      Slot& slot = *static_cast<Slot*>(tag);
      const absl::Time now = absl::Now();
      if (slot.status.ok()) {
        if (slot.sent >= shared_->measure_from &&
            now <= shared_->measure_until) {
          slot.latencies_us.push_back(
              absl::ToInt64Microseconds(now - slot.sent));
          slot.measured_events +=
              absl::GetFlag(FLAGS_noop) ? 1 : slot.request.events_size();
        }
        if (!absl::GetFlag(FLAGS_noop)) {
          slot.request.set_exact(slot.response.last_stream_version());
        }
      } else {
        shared_->errors++;
        absl::MutexLock lock(&shared_->mu);
        if (shared_->first_error.empty()) {
          shared_->first_error = slot.status.error_message();
        }
      }
      if (now > shared_->measure_until) {
        --in_flight;
      } else {
        Send(slot);
      }
    }
    cq_.Shutdown();
    while (cq_.Next(&tag, &ok)) {
    }
  }

  void Collect(std::vector<int64_t>& all, uint64_t& events) const {
    for (const auto& slot : slots_) {
      all.insert(all.end(), slot->latencies_us.begin(),
                 slot->latencies_us.end());
      events += slot->measured_events;
    }
  }

 private:
  struct Slot {
    explicit Slot(uint64_t seed) : random(seed) {}
    v1::EventLog::Stub* stub = nullptr;
    svledger::SeededRandom random;
    v1::AppendRequest request;
    v1::AppendResponse response;
    v1::ReadAllRequest noop_request;
    v1::ReadAllResponse noop_response;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::AppendResponse>> call;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::ReadAllResponse>>
        noop_call;
    grpc::Status status;
    absl::Time sent;
    std::vector<int64_t> latencies_us;
    uint64_t measured_events = 0;
  };

  void Send(Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.sent = absl::Now();
    if (absl::GetFlag(FLAGS_noop)) {
      slot.noop_request.set_from_position(1ull << 62);
      slot.noop_call =
          slot.stub->AsyncReadAll(slot.context.get(), slot.noop_request, &cq_);
      slot.noop_call->Finish(&slot.noop_response, &slot.status, &slot);
      return;
    }
    for (v1::ProposedEvent& e : *slot.request.mutable_events()) {
      e.set_event_id(svledger::Uuid::Random(slot.random).ToString());
    }
    slot.call = slot.stub->AsyncAppend(slot.context.get(), slot.request, &cq_);
    slot.call->Finish(&slot.response, &slot.status, &slot);
  }

  std::vector<std::unique_ptr<v1::EventLog::Stub>>* stubs_;
  Shared* shared_;
  grpc::CompletionQueue cq_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil with mutex deadlock detection on; it costs every
  // lock a graph update. Tests keep it; production does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const int clients = absl::GetFlag(FLAGS_clients);
  const int events = absl::GetFlag(FLAGS_events_per_append);
  const double seconds = absl::GetFlag(FLAGS_seconds);

  std::string target = absl::GetFlag(FLAGS_target);
  std::unique_ptr<svledger::server::Server> server;
  std::string data_dir;
  if (target.empty()) {
    data_dir = (std::filesystem::temp_directory_path() /
                absl::StrCat("svledger-bench-", getpid()))
                   .string();
    svledger::server::ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = data_dir;
    options.storage.sync = absl::GetFlag(FLAGS_sync);
    auto started = svledger::server::Server::Start(options);
    if (!started.ok()) {
      std::fprintf(stderr, "server: %s\n", started.status().ToString().c_str());
      return 1;
    }
    server = *std::move(started);
    target = absl::StrCat("127.0.0.1:", server->port());
  }

  std::vector<std::unique_ptr<v1::EventLog::Stub>> stubs;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    stubs.push_back(v1::EventLog::NewStub(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args)));
  }

  Shared shared;
  const absl::Time start = absl::Now();
  shared.measure_from =
      start + absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
  shared.measure_until = shared.measure_from + absl::Seconds(seconds);
  const uint64_t commits_before = server ? server->store().Stats().commits : 0;
  const uint64_t events_before = server ? server->store().Stats().events : 0;

  const bool use_cq = absl::GetFlag(FLAGS_client_api) == "cq";
  std::vector<std::unique_ptr<Client>> pool;
  std::unique_ptr<CqClients> cq_clients;
  uint64_t commits_after = 0, events_after = 0;
  if (use_cq) {
    cq_clients = std::make_unique<CqClients>(
        &stubs, &shared, clients, events, absl::GetFlag(FLAGS_payload_bytes));
    std::thread sampler([&] {
      absl::SleepFor(shared.measure_until - absl::Now());
      commits_after = server ? server->store().Stats().commits : 0;
      events_after = server ? server->store().Stats().events : 0;
    });
    cq_clients->Run();
    sampler.join();
  } else {
    for (int i = 0; i < clients; ++i) {
      pool.push_back(
          std::make_unique<Client>(stubs[i % stubs.size()].get(), &shared, i,
                                   events, absl::GetFlag(FLAGS_payload_bytes)));
    }
    for (auto& c : pool) c->Start();
    absl::SleepFor(shared.measure_until - absl::Now());
    commits_after = server ? server->store().Stats().commits : 0;
    events_after = server ? server->store().Stats().events : 0;
    const absl::Time drain_deadline = absl::Now() + absl::Seconds(30);
    while (shared.running.load() > 0 && absl::Now() < drain_deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  shared.stop = true;

  std::vector<int64_t> all;
  uint64_t measured_events = 0;
  if (use_cq) {
    cq_clients->Collect(all, measured_events);
  }
  for (auto& c : pool) {
    all.insert(all.end(), c->latencies_us().begin(), c->latencies_us().end());
    measured_events += c->measured_events();
  }
  std::sort(all.begin(), all.end());
  const double events_per_s = measured_events / seconds;
  const double appends_per_s = all.size() / seconds;
  const double p50 = svledger::bench::PercentileMs(all, 0.50),
               p99 = svledger::bench::PercentileMs(all, 0.99),
               p999 = svledger::bench::PercentileMs(all, 0.999);
  const double max = all.empty() ? 0 : all.back() / 1000.0;
  // Group commit: events per synced write while measuring (window edges
  // make it approximate).
  const double events_per_commit = commits_after > commits_before
                                       ? double(events_after - events_before) /
                                             (commits_after - commits_before)
                                       : 0;

  std::printf(
      "%sclients=%d events_per_append=%d payload=%dB sync=%s target=%s\n"
      "events/s=%.0f appends/s=%.0f p50=%.3fms p99=%.3fms p99.9=%.3fms "
      "max=%.3fms errors=%llu events_per_commit=%.1f\n",
      absl::GetFlag(FLAGS_noop) ? "NOOP (ReadAll at head) " : "", clients,
      events, absl::GetFlag(FLAGS_payload_bytes),
      absl::GetFlag(FLAGS_sync) ? "on" : "off",
      server ? "in-process" : target.c_str(), events_per_s, appends_per_s, p50,
      p99, p999, max, static_cast<unsigned long long>(shared.errors.load()),
      events_per_commit);
  {
    absl::MutexLock lock(&shared.mu);
    if (!shared.first_error.empty()) {
      std::printf("first error: %s\n", shared.first_error.c_str());
    }
  }

  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream out(path);
    out << absl::StrFormat(
        "{\"benchmark\":\"%s\",\"clients\":%d,\"events_per_append\":%d,"
        "\"payload_bytes\":%d,\"sync\":%s,\"seconds\":%.1f,"
        "\"events_per_s\":%.0f,\"appends_per_s\":%.0f,\"p50_ms\":%.3f,"
        "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"errors\":%d,"
        "\"events_per_commit\":%.1f}\n",
        absl::GetFlag(FLAGS_noop) ? "noop_unary" : "append", clients, events,
        absl::GetFlag(FLAGS_payload_bytes),
        absl::GetFlag(FLAGS_sync) ? "true" : "false", seconds, events_per_s,
        appends_per_s, p50, p99, p999, max,
        static_cast<int>(shared.errors.load()), events_per_commit);
  }
  stubs.clear();
  if (server) {
    server->Shutdown();
    server.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_dir, ec);
  }
  return shared.errors.load() == 0 ? 0 : 1;
}
