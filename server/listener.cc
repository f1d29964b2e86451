#include "server/listener.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace svledger::server {
namespace {

absl::Status Errno(absl::string_view what, const std::string& address) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", address, ": ", std::strerror(errno)));
}

// "host:port" or "[v6]:port" into its parts; host "" for a wildcard.
absl::Status SplitAddress(const std::string& address, std::string* host,
                          std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", address, "': expected host:port"));
  }
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  // One socket is bound, on the first address the name resolves to; for
  // localhost that may be ::1, which IPv4 clients cannot reach.
  if (*host == "localhost") *host = "127.0.0.1";
  int number = 0;
  if (!absl::SimpleAtoi(*port, &number) || number < 0 || number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", address, "': bad port"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Listener>> Listener::Bind(
    ListenerOptions options) {
  std::string host, port;
  if (absl::Status s = SplitAddress(options.address, &host, &port); !s.ok()) {
    return s;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int rc =
      getaddrinfo(host.empty() || host == "*" ? nullptr : host.c_str(),
                  port.c_str(), &hints, &found);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot resolve ", options.address, ": ", gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError(
      absl::StrCat("no address to listen on for ", options.address));
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                a->ai_protocol);
    if (fd < 0) {
      last = Errno("socket for", options.address);
      continue;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (a->ai_family == AF_INET6) {
      // "[::]" serves IPv4 too, as gRPC's own listener does.
      const int off = 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    }
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
      last = Errno("cannot listen on", options.address);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return last;

  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    absl::Status s = Errno("getsockname for", options.address);
    close(fd);
    return s;
  }
  const int bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  const int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    absl::Status s = Errno("eventfd for", options.address);
    close(fd);
    return s;
  }
  return std::unique_ptr<Listener>(
      new Listener(std::move(options), fd, bound_port, wake));
}

Listener::Listener(ListenerOptions options, int fd, int port, int wake_fd)
    : options_(std::move(options)), fd_(fd), port_(port), wake_fd_(wake_fd) {}

Listener::~Listener() {
  Stop();
  close(fd_);
  close(wake_fd_);
}

void Listener::Start(absl::AnyInvocable<void(int fd)> handoff) {
  handoff_ = std::move(handoff);
  thread_ = std::thread([this] { AcceptLoop(); });
}

void Listener::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stopping_.store(true);
  const uint64_t one = 1;
  // A failed write leaves the loop to notice stopping_ at its next wake-up
  // (it polls with a timeout).
  if (write(wake_fd_, &one, sizeof(one)) < 0) {
  }
  if (thread_.joinable()) thread_.join();
}

size_t Listener::CountOpen() const {
  for (auto it = open_.begin(); it != open_.end();) {
    struct stat st;
    const bool same = fstat(it->first, &st) == 0 && S_ISSOCK(st.st_mode) &&
                      st.st_ino == it->second;
    if (same) {
      ++it;
    } else {
      open_.erase(it++);
    }
  }
  return open_.size();
}

void Listener::AcceptLoop() {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (!stopping_.load()) {
    // A timeout, so that a stop is noticed even if its wake-up was lost.
    if (poll(fds, 2, 1000) < 0 && errno != EINTR) {
      // Never a reason to stop listening: pause and poll again.
      poll(nullptr, 0,
           static_cast<int>(
               absl::ToInt64Milliseconds(options_.out_of_descriptors_pause)));
      continue;
    }
    if (stopping_.load()) break;
    while (true) {
      // Non-blocking, as gRPC requires of the descriptors it is handed.
      const int conn =
          accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (conn < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
            errno == ENOMEM) {
          // The pending connection stays in the backlog; try again once
          // something has closed.
          out_of_descriptors_.fetch_add(1, std::memory_order_relaxed);
          poll(&fds[1], 1,
               static_cast<int>(absl::ToInt64Milliseconds(
                   options_.out_of_descriptors_pause)));
        }
        break;  // EAGAIN, or paused: back to poll
      }
      struct stat st;
      bool admit = fstat(conn, &st) == 0;
      if (admit) {
        absl::MutexLock lock(&mu_);
        if (open_.size() >= options_.max_connections &&
            CountOpen() >= options_.max_connections) {
          admit = false;
        } else {
          open_[conn] = st.st_ino;
        }
      }
      if (!admit) {
        over_limit_.fetch_add(1, std::memory_order_relaxed);
        close(conn);
        continue;
      }
      const int on = 1;
      setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
      accepted_.fetch_add(1, std::memory_order_relaxed);
      handoff_(conn);
    }
  }
}

ListenerStats Listener::Stats() const {
  ListenerStats stats;
  stats.accepted = accepted_.load(std::memory_order_relaxed);
  stats.over_limit = over_limit_.load(std::memory_order_relaxed);
  stats.out_of_descriptors =
      out_of_descriptors_.load(std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  stats.open = CountOpen();
  return stats;
}

}  // namespace svledger::server
