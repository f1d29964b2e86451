#ifndef SVLEDGER_TESTS_TESTING_HTTP_SERVER_H_
#define SVLEDGER_TESTS_TESTING_HTTP_SERVER_H_

// A tiny HTTP/1.0 server on 127.0.0.1 and a free port, for tests of
// clients that fetch (an OIDC issuer's discovery document and keys):
// answers GET of each path it was given with 200 and its body, anything
// else 404. One thread; one connection at a time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace svledger::testing {

class HttpServer {
 public:
  HttpServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 16);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~HttpServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  int port() const { return port_; }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }

  void Set(const std::string& path, const std::string& body) {
    absl::MutexLock lock(&mu_);
    bodies_[path] = body;
  }
  int requests() const { return requests_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[4096];
      const ssize_t n = read(client, buffer, sizeof(buffer) - 1);
      std::string request(buffer, n > 0 ? n : 0);
      const size_t start = request.find(' ') + 1;
      const std::string path =
          request.substr(start, request.find(' ', start) - start);
      ++requests_;
      std::string response;
      {
        absl::MutexLock lock(&mu_);
        auto it = bodies_.find(path);
        response =
            it == bodies_.end()
                ? "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                : absl::StrCat("HTTP/1.0 200 OK\r\nContent-Length: ",
                               it->second.size(), "\r\n\r\n", it->second);
      }
      (void)!write(client, response.data(), response.size());
      close(client);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  absl::Mutex mu_;
  std::map<std::string, std::string> bodies_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_TESTING_HTTP_SERVER_H_
