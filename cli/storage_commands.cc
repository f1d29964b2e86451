#include "cli/storage_commands.h"

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/cli_common.h"
#include "google/protobuf/util/time_util.h"
#include "svledger/v1/admin_service.grpc.pb.h"

ABSL_FLAG(uint32_t, backup_id, 0, "backup verify: the backup (0: the newest)");
ABSL_FLAG(int32_t, keep, 0, "backup prune: how many of the newest to keep");
ABSL_FLAG(bool, indexes, false,
          "verify-log: also check the indexes reads use lead to exactly the "
          "chain's events (about twice as slow)");
ABSL_FLAG(std::vector<std::string>, anchor, {},
          "verify-log: chain heads kept earlier, POSITION:SHA256 "
          "(comma-separated)");

namespace svledger::cli {
namespace {

// Backups and whole-log checks read everything: give them time.
void SetLongDeadline(grpc::ClientContext& context) {
  const absl::Duration timeout =
      std::max(absl::GetFlag(FLAGS_timeout), absl::Hours(1));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

std::string Bytes(uint64_t bytes) {
  char out[32];
  if (bytes >= (1ull << 30)) {
    std::snprintf(out, sizeof out, "%.1f GiB", bytes / double(1ull << 30));
  } else if (bytes >= (1ull << 20)) {
    std::snprintf(out, sizeof out, "%.1f MiB", bytes / double(1ull << 20));
  } else {
    std::snprintf(out, sizeof out, "%.1f KiB", bytes / 1024.0);
  }
  return out;
}

std::string Created(const v1::Backup& b) {
  return absl::FormatTime(
      "%Y-%m-%d %H:%M:%S UTC",
      absl::FromUnixMicros(
          google::protobuf::util::TimeUtil::TimestampToMicroseconds(
              b.created())),
      absl::UTCTimeZone());
}

void PrintBackup(const v1::Backup& b) {
  std::printf("%-6u %-24s %12llu  %-10s %6u  %s\n", b.backup_id(),
              Created(b).c_str(), static_cast<unsigned long long>(b.position()),
              Bytes(b.size_bytes()).c_str(), b.files(),
              b.chain_sha256().c_str());
}

void PrintBackupHeader() {
  std::printf("%-6s %-24s %12s  %-10s %6s  %s\n", "ID", "CREATED", "POSITION",
              "SIZE", "FILES", "CHAIN SHA-256 AT POSITION");
}

int LogHead(v1::AdminService::Stub& admin) {
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::LogHead head;
  grpc::Status status = admin.GetLogHead(&context, {}, &head);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(head);
    return 0;
  }
  std::printf("position %llu\nsha256   %s\n",
              static_cast<unsigned long long>(head.position()),
              head.sha256().c_str());
  std::printf(
      "(keep both: `svctl verify-log --anchor=%llu:%s` later proves "
      "nothing up to here has changed)\n",
      static_cast<unsigned long long>(head.position()), head.sha256().c_str());
  return 0;
}

int VerifyLog(v1::AdminService::Stub& admin) {
  v1::VerifyLogRequest request;
  request.set_check_indexes(absl::GetFlag(FLAGS_indexes));
  for (const std::string& anchor : absl::GetFlag(FLAGS_anchor)) {
    std::vector<std::string> parts = absl::StrSplit(anchor, ':');
    uint64_t position = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &position)) {
      return Usage("--anchor: POSITION:SHA256, e.g. 1234:9f86d0..., not '" +
                   anchor + "'");
    }
    v1::LogHead* a = request.add_anchors();
    a->set_position(position);
    a->set_sha256(parts[1]);
  }
  grpc::ClientContext context;
  AddCredentials(context);
  SetLongDeadline(context);
  v1::VerifyLogResponse response;
  grpc::Status status = admin.VerifyLog(&context, request, &response);
  if (!status.ok()) return Fail(status);
  bool held = response.broken_position() == 0;
  for (const auto& a : response.anchors()) held = held && a.matched();
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
    return held ? 0 : 3;
  }
  if (response.broken_position() != 0) {
    std::printf("chain BROKEN at position %llu: %s\n",
                static_cast<unsigned long long>(response.broken_position()),
                response.broken_reason().c_str());
  } else {
    std::printf(
        "chain intact: %llu events through position %llu in %.2f s\nhead "
        "sha256 %s\n",
        static_cast<unsigned long long>(response.events_checked()),
        static_cast<unsigned long long>(response.through_position()),
        response.seconds(), response.head_sha256().c_str());
  }
  for (const auto& a : response.anchors()) {
    std::printf(
        "anchor at %llu: %s%s\n", static_cast<unsigned long long>(a.position()),
        a.matched() ? "matches" : "DOES NOT MATCH",
        a.matched() ? "" : (" (stored: " + a.found_sha256() + ")").c_str());
  }
  return held ? 0 : 3;
}

int Backup(v1::AdminService::Stub& admin, const std::vector<char*>& args) {
  if (args.size() < 3) {
    return Usage("backup: create, list, verify or prune");
  }
  const std::string what = args[2];
  grpc::ClientContext context;
  AddCredentials(context);
  SetLongDeadline(context);
  const bool json = absl::GetFlag(FLAGS_json);
  if (what == "create") {
    v1::CreateBackupResponse response;
    grpc::Status status = admin.CreateBackup(&context, {}, &response);
    if (!status.ok()) return Fail(status);
    if (json) {
      PrintJson(response);
      return 0;
    }
    const v1::Backup& b = response.backup();
    std::printf(
        "backup %u created in %.1f s: log through position %llu (chain "
        "sha256 %s), %s in %u files, %s of it new\n",
        b.backup_id(), response.seconds(),
        static_cast<unsigned long long>(b.position()), b.chain_sha256().c_str(),
        Bytes(b.size_bytes()).c_str(), b.files(),
        Bytes(response.added_bytes()).c_str());
    return 0;
  }
  if (what == "list") {
    v1::ListBackupsResponse response;
    grpc::Status status = admin.ListBackups(&context, {}, &response);
    if (!status.ok()) return Fail(status);
    if (json) {
      PrintJson(response);
      return 0;
    }
    std::printf("%d backups in %s\n", response.backups_size(),
                response.backup_dir().c_str());
    if (response.backups_size() > 0) PrintBackupHeader();
    for (const v1::Backup& b : response.backups()) PrintBackup(b);
    return 0;
  }
  if (what == "verify") {
    v1::VerifyBackupRequest request;
    request.set_backup_id(absl::GetFlag(FLAGS_backup_id));
    v1::VerifyBackupResponse response;
    grpc::Status status = admin.VerifyBackup(&context, request, &response);
    if (!status.ok()) return Fail(status);
    if (json) {
      PrintJson(response);
      return response.ok() ? 0 : 3;
    }
    if (response.ok()) {
      std::printf(
          "backup %u verified in %.1f s: %llu files (%s) match their "
          "checksums; the log's chain holds through position %llu (head "
          "sha256 %s)\n",
          response.backup_id(), response.seconds(),
          static_cast<unsigned long long>(response.files_checked()),
          Bytes(response.bytes_checked()).c_str(),
          static_cast<unsigned long long>(response.chain_through_position()),
          response.chain_head_sha256().c_str());
      return 0;
    }
    std::printf("backup %u FAILED verification: %s\n", response.backup_id(),
                response.problem().c_str());
    return 3;
  }
  if (what == "prune") {
    v1::PruneBackupsRequest request;
    request.set_keep(absl::GetFlag(FLAGS_keep));
    if (request.keep() < 1) {
      return Usage(
          "--keep: how many of the newest backups to keep (at least "
          "1)");
    }
    v1::PruneBackupsResponse response;
    grpc::Status status = admin.PruneBackups(&context, request, &response);
    if (!status.ok()) return Fail(status);
    if (json) {
      PrintJson(response);
      return 0;
    }
    std::printf("deleted %d backups; kept %d\n",
                response.deleted_backup_ids_size(), response.kept_size());
    if (response.kept_size() > 0) PrintBackupHeader();
    for (const v1::Backup& b : response.kept()) PrintBackup(b);
    return 0;
  }
  return Usage("backup: create, list, verify or prune, not '" + what + "'");
}

}  // namespace

int RunStorageCommand(const std::string& command,
                      const std::shared_ptr<grpc::Channel>& channel,
                      const std::vector<char*>& args) {
  auto admin = v1::AdminService::NewStub(channel);
  if (command == "log-head") return LogHead(*admin);
  if (command == "verify-log") return VerifyLog(*admin);
  if (command == "backup") return Backup(*admin, args);
  return -1;
}

}  // namespace svledger::cli
