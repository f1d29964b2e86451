#ifndef SVLEDGER_TESTS_SERVICES_DEV_AUTH_SERVER_H_
#define SVLEDGER_TESTS_SERVICES_DEV_AUTH_SERVER_H_

// A server as ./scripts/run starts it, for the authentication tests: on
// 127.0.0.1 and a free port, data in `dir`, the councils' frameworks
// published, the development issuer (DATA/dev-auth) with the demo's
// personas, so authentication is on; the enforcement policy off unless
// `configure` turns it on.

#include <functional>
#include <memory>
#include <string>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"

namespace svledger::testing {

inline std::unique_ptr<server::Server> StartWithDevAuth(
    const std::string& dir,
    const std::function<void(server::ServerOptions&)>& configure = {}) {
  server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir;
  options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  options.app.enforcement = false;
  options.auth.dev_issuer_dir = dir + "/dev-auth";
  if (configure) configure(options);
  auto server = server::Server::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  EXPECT_TRUE((*server)->authentication_on());
  return *std::move(server);
}

// A plaintext channel to `server`.
inline std::shared_ptr<grpc::Channel> ChannelTo(const server::Server& server) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()),
                             grpc::InsecureChannelCredentials());
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_SERVICES_DEV_AUTH_SERVER_H_
