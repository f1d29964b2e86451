#ifndef SVLEDGER_BENCH_CLOSED_LOOP_H_
#define SVLEDGER_BENCH_CLOSED_LOOP_H_

// A closed-loop load of unary gRPC calls: `in_flight` calls outstanding at
// once, each slot sending its next call when the last returns, all driven
// by one CompletionQueue thread (far cheaper than a blocking thread per
// call, which on a 2-core machine would take CPU from the server measured).

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/support/async_unary_call.h"

namespace svledger::bench {

struct ClosedLoopResult {
  // Latencies in microseconds of the calls sent and answered within the
  // measured window, sorted.
  std::vector<int64_t> latencies_us;
  uint64_t errors = 0;
};

// Runs until `until`, counting calls inside [from, until].
//   fill(request, slot, n): sets the n-th request of `slot`;
//   start(context, request, cq): starts the call (e.g. stub->AsyncFoo).
// Not thread-safe; runs on the calling thread.
template <typename Request, typename Response>
ClosedLoopResult RunClosedLoop(
    int in_flight, absl::Time from, absl::Time until,
    const std::function<void(Request&, int slot, uint64_t n)>& fill,
    const std::function<
        std::unique_ptr<grpc::ClientAsyncResponseReader<Response>>(
            grpc::ClientContext*, const Request&, grpc::CompletionQueue*)>&
        start) {
  struct Slot {
    int index = 0;
    uint64_t n = 0;
    absl::Time sent;
    Request request;
    Response response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> call;
  };
  grpc::CompletionQueue cq;
  std::vector<Slot> slots(in_flight);
  auto send = [&](Slot& slot) {
    slot.request.Clear();
    fill(slot.request, slot.index, slot.n++);
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.sent = absl::Now();
    slot.call = start(slot.context.get(), slot.request, &cq);
    slot.call->Finish(&slot.response, &slot.status, &slot);
  };
  ClosedLoopResult out;
  for (int i = 0; i < in_flight; ++i) {
    slots[i].index = i;
    send(slots[i]);
  }
  int outstanding = in_flight;
  void* tag;
  bool ok;
  while (outstanding > 0 && cq.Next(&tag, &ok)) {
    Slot& slot = *static_cast<Slot*>(tag);
    const absl::Time done = absl::Now();
    if (!slot.status.ok()) {
      if (out.errors++ == 0) {
        std::fprintf(stderr, "error: %s\n",
                     slot.status.error_message().c_str());
      }
    } else if (slot.sent >= from && done <= until) {
      out.latencies_us.push_back(absl::ToInt64Microseconds(done - slot.sent));
    }
    if (done > until) {
      --outstanding;
    } else {
      send(slot);
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  std::sort(out.latencies_us.begin(), out.latencies_us.end());
  return out;
}

}  // namespace svledger::bench

#endif  // SVLEDGER_BENCH_CLOSED_LOOP_H_
