#ifndef SVLEDGER_SERVER_DESCRIPTORS_H_
#define SVLEDGER_SERVER_DESCRIPTORS_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"

namespace svledger::server {

// How the process's file descriptors (RLIMIT_NOFILE) are shared, so that
// sockets can never take the descriptors storage needs (a RocksDB that
// cannot create its next WAL file stops taking writes).
struct DescriptorPlan {
  uint64_t limit = 0;             // the soft limit in force
  int log_files = 0;              // the event log's RocksDB max_open_files
  int projection_files = 0;       // the projections' RocksDB max_open_files
  size_t connections = 0;         // the gRPC port's connection cap
  size_t health_connections = 0;  // the health port's connection cap
};

// Descriptors kept for everything that is neither a connection nor a
// RocksDB table file: WAL and MANIFEST files, gRPC's own (epoll, wake-ups),
// the metrics port and its scrapers, key fetches, certificate reloads.
inline constexpr uint64_t kReservedDescriptors = 192;
// The health port serves probes only.
inline constexpr size_t kHealthConnections = 16;

// Raises the soft RLIMIT_NOFILE to the hard limit (a shell's default soft
// limit, often 1,024, would cap a server at a few hundred clients). Returns
// the soft limit in force afterwards.
uint64_t RaiseDescriptorLimit();

// The soft RLIMIT_NOFILE in force.
uint64_t DescriptorLimit();

// Shares `limit` descriptors: a quarter (at least 48, at most 4,096) for
// RocksDB's table files, two thirds of that to the log; kReserved for the
// rest; and what remains, up to `max_connections`, for connections.
// Errors: FAILED_PRECONDITION if fewer than 16 would remain for
// connections (the message names the limit to raise).
absl::StatusOr<DescriptorPlan> PlanDescriptors(uint64_t limit,
                                               size_t max_connections,
                                               bool health_port);

}  // namespace svledger::server

#endif  // SVLEDGER_SERVER_DESCRIPTORS_H_
