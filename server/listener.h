#ifndef SVLEDGER_SERVER_LISTENER_H_
#define SVLEDGER_SERVER_LISTENER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace svledger::server {

struct ListenerOptions {
  // host:port to bind ("127.0.0.1:0", "[::]:50051" (IPv6 and IPv4),
  // "localhost:50051" (127.0.0.1)); port 0 picks a free port. One socket,
  // on the first address the host resolves to. Required.
  std::string address;
  // The most connections open at once. One more is accepted and closed at
  // once (the client sees the connection reset and may retry), so that the
  // descriptors this process needs for its storage are never taken by
  // sockets. Default 1,000.
  size_t max_connections = 1000;
  // How long the accept loop pauses when the process is out of
  // descriptors (EMFILE, ENFILE) or memory before accepting again.
  // Default 100 ms.
  absl::Duration out_of_descriptors_pause = absl::Milliseconds(100);
};

// Counters since Bind. Plain data.
struct ListenerStats {
  uint64_t accepted = 0;            // handed to the server
  uint64_t over_limit = 0;          // closed at once: max_connections were open
  uint64_t out_of_descriptors = 0;  // accept failed with EMFILE/ENFILE/ENOMEM
  size_t open = 0;                  // handed over and still open
};

// A TCP listening socket with its own accept loop, which hands each accepted
// connection to the server (gRPC's external connection acceptor).
//
// It exists because gRPC 1.51's own accept loop gives up for good on the
// first EMFILE (it stops listening until restart), and because gRPC 1.51 has
// no cap on connections. Here an accept that fails for want of descriptors
// pauses and tries again, and connections beyond max_connections are closed
// before anything reads them.
//
// Which handed-over connections are still open is known without gRPC's help:
// each is remembered by descriptor and inode, and is open while that
// descriptor still refers to that socket (fstat). The count is recomputed
// only when the cap is reached.
//
// Thread-safe. The accept loop runs on a thread of its own.
class Listener {
 public:
  // Binds and listens on options.address. Errors: INVALID_ARGUMENT for an
  // address that is not host:port; UNAVAILABLE for one that cannot be
  // resolved or bound (the message has errno's text).
  static absl::StatusOr<std::unique_ptr<Listener>> Bind(
      ListenerOptions options);

  // Stop()s.
  ~Listener();

  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The port bound (the one picked, for port 0).
  int port() const { return port_; }
  // The listening socket's descriptor (for gRPC's NewConnectionParameters).
  int fd() const { return fd_; }

  // Starts the accept loop: each accepted connection's descriptor goes to
  // `handoff`, which takes ownership of it. `handoff` runs on the accept
  // thread and must not block. REQUIRES: called once.
  void Start(absl::AnyInvocable<void(int fd)> handoff);

  // Stops accepting and closes the listening socket; connections handed
  // over are the server's to close. Idempotent.
  void Stop();

  ListenerStats Stats() const;

 private:
  Listener(ListenerOptions options, int fd, int port, int wake_fd);
  void AcceptLoop();
  // Forgets handed-over connections that have closed; returns how many are
  // open.
  size_t CountOpen() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ListenerOptions options_;
  const int fd_;
  const int port_;
  const int wake_fd_;  // eventfd: written by Stop to wake the loop
  absl::AnyInvocable<void(int)> handoff_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable absl::Mutex mu_;
  // Handed-over connections: descriptor -> the socket's inode.
  mutable absl::flat_hash_map<int, ino_t> open_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> over_limit_{0};
  std::atomic<uint64_t> out_of_descriptors_{0};
};

}  // namespace svledger::server

#endif  // SVLEDGER_SERVER_LISTENER_H_
