#include "backup/backup_set.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "backup/files.h"
#include "backup/manifest.pb.h"
#include "common/digest.h"
#include "eventstore/chain.h"
#include "eventstore/rocks.h"
#include "rocksdb/utilities/backup_engine.h"

namespace svledger::backup {
namespace {

namespace fs = std::filesystem;
using eventstore::FromRocks;
using storage::v1::BackupFile;
using storage::v1::BackupFileList;
using storage::v1::BackupManifest;

constexpr uint32_t kBackupFormat = 1;
// The data directory's databases, backed up by their engines.
constexpr char kLog[] = "log";
constexpr char kProjections[] = "projections";
constexpr char kFiles[] = "files";
constexpr char kScratch[] = "verify.scratch";

rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions options(dir);
  // Table files are shared between backups and named by their checksum and
  // size: each backup copies only what is new (incremental), and every file
  // is checked against its crc32c on verify and restore.
  options.share_table_files = true;
  options.share_files_with_checksum = true;
  options.sync = true;  // a backup the engine calls complete survives a crash
  // One copying thread: a backup should cost the appends it runs beside as
  // little as it can (bench/backup_bench measures it).
  options.max_background_operations = 1;
  return options;
}

absl::Status FromIo(const rocksdb::IOStatus& s, absl::string_view context) {
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(
        absl::StrCat(context,
                     ": a disk is full (the backup's, or the data's when the "
                     "memtables are flushed first): ",
                     s.ToString()));
  }
  return FromRocks(s, context);
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> OpenEngine(
    const std::string& dir, uint64_t max_bytes_per_second) {
  rocksdb::BackupEngineOptions options = EngineOptions(dir);
  options.backup_rate_limit = max_bytes_per_second;
  rocksdb::BackupEngine* engine = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngine::Open(options, rocksdb::Env::Default(), &engine);
  if (!s.ok()) return FromIo(s, absl::StrCat("opening backups in ", dir));
  return std::unique_ptr<rocksdb::BackupEngine>(engine);
}

absl::StatusOr<BackupManifest> ParseManifest(const rocksdb::BackupInfo& info) {
  BackupManifest manifest;
  if (!manifest.ParseFromString(info.app_metadata) ||
      manifest.format() != kBackupFormat) {
    return absl::DataLossError(absl::StrCat("backup ", info.backup_id,
                                            ": its manifest is unreadable"));
  }
  return manifest;
}

std::string FilePath(const std::string& dir, const std::string& sha256) {
  return absl::StrCat(dir, "/", kFiles, "/", sha256);
}

absl::StatusOr<BackupFileList> ReadFileList(const std::string& dir,
                                            const BackupManifest& manifest) {
  absl::StatusOr<std::string> bytes =
      ReadWhole(FilePath(dir, manifest.file_list_sha256()));
  BackupFileList list;
  if (!bytes.ok() || !list.ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("file list ", kFiles, "/",
                                            manifest.file_list_sha256(),
                                            " is missing or unreadable"));
  }
  return list;
}

// A scratch directory removed when it goes out of scope.
class Scratch {
 public:
  explicit Scratch(std::string path) : path_(std::move(path)) { Remove(); }
  ~Scratch() { Remove(); }
  const std::string& path() const { return path_; }

 private:
  void Remove() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string path_;
};

}  // namespace

class BackupSet::Claim {
 public:
  explicit Claim(BackupSet* set) : set_(set) {}
  ~Claim() {
    absl::MutexLock lock(&set_->mu_);
    set_->running_.clear();
  }

 private:
  BackupSet* const set_;
};

absl::StatusOr<std::unique_ptr<BackupSet>> BackupSet::Open(
    const std::string& dir, const BackupSetOptions& options) {
  std::error_code ec;
  for (const char* sub : {kLog, kProjections, kFiles}) {
    fs::create_directories(absl::StrCat(dir, "/", sub), ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("backup directory ", dir, "/", sub, ": ", ec.message()));
    }
  }
  absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> log =
      OpenEngine(absl::StrCat(dir, "/", kLog), options.max_bytes_per_second);
  if (!log.ok()) return log.status();
  absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> projections =
      OpenEngine(absl::StrCat(dir, "/", kProjections),
                 options.max_bytes_per_second);
  if (!projections.ok()) return projections.status();
  std::unique_ptr<BackupSet> set(
      new BackupSet(dir, *std::move(log), *std::move(projections)));
  set->Refresh();
  return set;
}

BackupSet::BackupSet(std::string dir,
                     std::unique_ptr<rocksdb::BackupEngine> log,
                     std::unique_ptr<rocksdb::BackupEngine> projections)
    : dir_(std::move(dir)),
      log_(std::move(log)),
      projections_(std::move(projections)) {}

BackupSet::~BackupSet() = default;

void BackupSet::Stop() {
  log_->StopBackup();
  projections_->StopBackup();
}

absl::StatusOr<std::unique_ptr<BackupSet::Claim>> BackupSet::Begin(
    absl::string_view what) {
  absl::MutexLock lock(&mu_);
  if (!running_.empty()) {
    return absl::AbortedError(absl::StrCat("a backup ", running_,
                                           " is running; try again when it "
                                           "has finished"));
  }
  running_ = std::string(what);
  return std::make_unique<Claim>(this);
}

absl::StatusOr<CreateReport> BackupSet::Create(
    const eventstore::EventStore& store, projections::ProjectionDb& projections,
    const std::string& data_dir, absl::Time now) {
  absl::StatusOr<std::unique_ptr<Claim>> claim = Begin("creation");
  if (!claim.ok()) return claim.status();
  const absl::Time start = absl::Now();
  if (absl::Status s = CollectGarbage(); !s.ok()) return s;
  const uint64_t bytes_before = DirectoryBytes(dir_);

  // 1. The data directory's other files, each kept once by content.
  absl::StatusOr<std::vector<DataFile>> files =
      ListFiles(data_dir, {kLog, kProjections});
  if (!files.ok()) return files.status();
  BackupFileList list;
  for (const DataFile& file : *files) {
    const std::string source = absl::StrCat(data_dir, "/", file.path);
    absl::StatusOr<std::string> sha = Sha256OfFile(source);
    if (absl::IsNotFound(sha.status())) continue;  // removed meanwhile
    if (!sha.ok()) return sha.status();
    std::error_code ec;
    if (!fs::exists(FilePath(dir_, *sha), ec)) {
      // Copied, then named by the copy's own hash: a file that changed in
      // between is kept as copied, never under another content's name.
      const std::string incoming = FilePath(dir_, "incoming.tmp");
      if (absl::Status s = CopyDurably(source, incoming); !s.ok()) return s;
      sha = Sha256OfFile(incoming);
      if (!sha.ok()) return sha.status();
      if (absl::Status s = RenameDurably(incoming, FilePath(dir_, *sha));
          !s.ok()) {
        return s;
      }
    }
    BackupFile* entry = list.add_files();
    entry->set_path(file.path);
    entry->set_sha256(*sha);
    entry->set_size(file.size);
    entry->set_mode(file.mode);
  }
  const std::string list_bytes = list.SerializeAsString();
  const std::string list_sha = Sha256Hex(list_bytes);
  if (absl::Status s = WriteDurably(FilePath(dir_, list_sha), list_bytes);
      !s.ok()) {
    return s;
  }

  // 2. The projections, before the log: their checkpoint is then at or
  // before the log's backed-up head, and a restored server catches them up.
  rocksdb::CreateBackupOptions options;
  // Flush the memtables first: what they hold becomes table files, which
  // the next backup shares, instead of WAL files copied by every backup.
  options.flush_before_backup = true;
  // The copying threads yield the CPU to the server's own work (their
  // writes are bounded by BackupSetOptions::max_bytes_per_second).
  options.decrease_background_thread_cpu_priority = true;
  options.background_thread_cpu_priority = rocksdb::CpuPriority::kLow;
  rocksdb::BackupID projections_id = 0;
  rocksdb::IOStatus io = projections_->CreateNewBackup(
      options, &projections.database(), &projections_id);
  if (!io.ok()) return FromIo(io, "backing up the projections");

  // 3. The log, last: its backup commits the whole.
  BackupManifest manifest;
  manifest.set_format(kBackupFormat);
  manifest.set_created_unix_micros(absl::ToUnixMicros(now));
  manifest.set_projections_backup_id(projections_id);
  manifest.set_file_list_sha256(list_sha);
  rocksdb::BackupID log_id = 0;
  absl::Status logged = store.WithDatabase(
      [&](rocksdb::DB& db, const eventstore::ChainHead& head) {
        manifest.set_position(head.position);
        manifest.set_chain_hash(head.hash);
        return FromIo(log_->CreateNewBackupWithMetadata(
                          options, &db, manifest.SerializeAsString(), &log_id),
                      "backing up the event log");
      });
  if (!logged.ok()) return logged;

  Refresh();
  CreateReport report;
  for (const BackupInfo& info : List()) {
    if (info.id == log_id) report.backup = info;
  }
  const uint64_t bytes_after = DirectoryBytes(dir_);
  report.added_bytes =
      bytes_after > bytes_before ? bytes_after - bytes_before : 0;
  report.took = absl::Now() - start;
  return report;
}

std::vector<BackupInfo> BackupSet::List() const {
  absl::MutexLock lock(&mu_);
  return listed_;
}

void BackupSet::Refresh() {
  std::vector<rocksdb::BackupInfo> logs, projections;
  log_->GetBackupInfo(&logs);
  projections_->GetBackupInfo(&projections);
  std::vector<BackupInfo> out;
  for (const rocksdb::BackupInfo& log : logs) {
    absl::StatusOr<BackupManifest> manifest = ParseManifest(log);
    if (!manifest.ok()) {
      // Listed as nothing; verify names it, prune can still delete it.
      std::fprintf(stderr, "backup: %s\n",
                   manifest.status().ToString().c_str());
      continue;
    }
    BackupInfo info;
    info.id = log.backup_id;
    info.created = absl::FromUnixMicros(manifest->created_unix_micros());
    info.position = manifest->position();
    info.chain_hash = manifest->chain_hash();
    info.size_bytes = log.size;
    info.files = log.number_files;
    for (const rocksdb::BackupInfo& p : projections) {
      if (p.backup_id == manifest->projections_backup_id()) {
        info.size_bytes += p.size;
        info.files += p.number_files;
      }
    }
    if (absl::StatusOr<BackupFileList> list = ReadFileList(dir_, *manifest);
        list.ok()) {
      for (const BackupFile& file : list->files()) {
        info.size_bytes += file.size();
        ++info.files;
      }
    }
    out.push_back(std::move(info));
  }
  std::sort(
      out.begin(), out.end(),
      [](const BackupInfo& a, const BackupInfo& b) { return a.id < b.id; });
  absl::MutexLock lock(&mu_);
  listed_ = std::move(out);
}

absl::Status BackupSet::CollectGarbage() {
  std::vector<rocksdb::BackupInfo> logs, projections;
  log_->GetBackupInfo(&logs);
  projections_->GetBackupInfo(&projections);
  std::set<uint32_t> projection_ids;
  std::set<std::string> kept_files;
  // Nothing is deleted unless every backup's manifest and list was read:
  // one that cannot be read might need any of it.
  bool all_read = true;
  for (const rocksdb::BackupInfo& log : logs) {
    absl::StatusOr<BackupManifest> manifest = ParseManifest(log);
    if (!manifest.ok()) {
      all_read = false;
      continue;
    }
    projection_ids.insert(manifest->projections_backup_id());
    kept_files.insert(manifest->file_list_sha256());
    absl::StatusOr<BackupFileList> list = ReadFileList(dir_, *manifest);
    if (!list.ok()) {
      all_read = false;
      continue;
    }
    for (const BackupFile& file : list->files()) {
      kept_files.insert(file.sha256());
    }
  }
  for (const rocksdb::BackupInfo& p : projections) {
    if (all_read && projection_ids.count(p.backup_id) == 0) {
      if (rocksdb::IOStatus s = projections_->DeleteBackup(p.backup_id);
          !s.ok()) {
        return FromIo(s, "deleting an unused projections backup");
      }
    }
  }
  std::error_code ec;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(absl::StrCat(dir_, "/", kFiles), ec)) {
    if (all_read && kept_files.count(entry.path().filename().string()) == 0) {
      fs::remove(entry.path(), ec);
    }
  }
  for (rocksdb::IOStatus s :
       {log_->GarbageCollect(), projections_->GarbageCollect()}) {
    if (!s.ok()) return FromIo(s, "collecting backup garbage");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint32_t>> BackupSet::Prune(int keep) {
  if (keep < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("keep: ", keep, "; at least 1 backup must be kept"));
  }
  absl::StatusOr<std::unique_ptr<Claim>> claim = Begin("prune");
  if (!claim.ok()) return claim.status();
  std::vector<rocksdb::BackupInfo> before;
  log_->GetBackupInfo(&before);
  std::sort(before.begin(), before.end(), [](const auto& a, const auto& b) {
    return a.backup_id < b.backup_id;
  });
  if (rocksdb::IOStatus s = log_->PurgeOldBackups(keep); !s.ok()) {
    return FromIo(s, "pruning backups");
  }
  absl::Status collected = CollectGarbage();
  Refresh();
  if (!collected.ok()) return collected;
  std::vector<uint32_t> deleted;
  for (size_t i = 0; i + keep < before.size(); ++i) {
    deleted.push_back(before[i].backup_id);
  }
  return deleted;
}

absl::StatusOr<VerifyReport> BackupSet::Verify(std::optional<uint32_t> id) {
  absl::StatusOr<std::unique_ptr<Claim>> claim = Begin("verification");
  if (!claim.ok()) return claim.status();
  const absl::Time start = absl::Now();
  rocksdb::BackupInfo log;
  rocksdb::Status found = id.has_value()
                              ? log_->GetBackupInfo(*id, &log, true)
                              : log_->GetLatestBackupInfo(&log, true);
  if (found.IsCorruption() && id.has_value()) {
    VerifyReport corrupt;
    corrupt.id = *id;
    corrupt.problem = absl::StrCat(
        "backup ", *id, ": its metadata is corrupt: ", found.ToString());
    corrupt.took = absl::Now() - start;
    return corrupt;
  }
  if (found.IsNotFound()) {
    return absl::NotFoundError(
        id.has_value()
            ? absl::StrCat("backup-id: no backup ", *id, " in ", dir_)
            : absl::StrCat("no backups in ", dir_));
  }
  if (!found.ok()) return FromRocks(found, "reading the backup");
  VerifyReport report;
  report.id = log.backup_id;
  auto finish = [&](std::string problem) {
    report.problem = std::move(problem);
    report.took = absl::Now() - start;
    return report;
  };
  absl::StatusOr<BackupManifest> manifest = ParseManifest(log);
  if (!manifest.ok()) return finish(std::string(manifest.status().message()));

  // Every file's checksum: the projections' and the plain files' here, the
  // log's as it is restored into the scratch directory below.
  if (rocksdb::IOStatus s = projections_->VerifyBackup(
          manifest->projections_backup_id(), /*verify_with_checksum=*/true);
      !s.ok()) {
    return finish(absl::StrCat("projections backup ",
                               manifest->projections_backup_id(), ": ",
                               s.ToString()));
  }
  rocksdb::BackupInfo projections;
  if (projections_
          ->GetBackupInfo(manifest->projections_backup_id(), &projections)
          .ok()) {
    report.files_checked += projections.number_files;
    report.bytes_checked += projections.size;
  }
  absl::StatusOr<BackupFileList> list = ReadFileList(dir_, *manifest);
  if (!list.ok()) return finish(std::string(list.status().message()));
  if (absl::StatusOr<std::string> sha =
          Sha256OfFile(FilePath(dir_, manifest->file_list_sha256()));
      !sha.ok() || *sha != manifest->file_list_sha256()) {
    return finish(absl::StrCat("file list ", kFiles, "/",
                               manifest->file_list_sha256(),
                               ": its content does not match its name"));
  }
  for (const BackupFile& file : list->files()) {
    absl::StatusOr<std::string> sha =
        Sha256OfFile(FilePath(dir_, file.sha256()));
    if (!sha.ok() || *sha != file.sha256()) {
      return finish(
          absl::StrCat(file.path(), " (", kFiles, "/", file.sha256(), "): ",
                       sha.ok() ? "its content does not match its checksum"
                                : std::string(sha.status().message())));
    }
    ++report.files_checked;
    report.bytes_checked += file.size();
  }

  Scratch scratch(absl::StrCat(dir_, "/", kScratch));
  if (rocksdb::IOStatus s =
          log_->RestoreDBFromBackup(rocksdb::RestoreOptions(), log.backup_id,
                                    scratch.path(), scratch.path());
      !s.ok()) {
    if (!s.IsCorruption()) {
      // Not the backup's fault (no room for the scratch copy, an I/O
      // error): an error, not a verdict on the backup.
      return FromIo(s, absl::StrCat("restoring backup ", log.backup_id,
                                    " to check its chain"));
    }
    return finish(
        absl::StrCat("event log backup ", log.backup_id, ": ", s.ToString()));
  }
  report.files_checked += log.number_files;
  report.bytes_checked += log.size;
  eventstore::VerifyChainOptions chain;
  if (manifest->position() > 0) {
    chain.anchors.push_back({manifest->position(), manifest->chain_hash()});
  }
  absl::StatusOr<eventstore::ChainReport> checked =
      eventstore::VerifyChainAt(scratch.path(), chain);
  if (!checked.ok()) {
    return finish(absl::StrCat("event log backup ", log.backup_id, ": ",
                               checked.status().message()));
  }
  report.chain = *checked;
  if (checked->broken.has_value()) {
    return finish(absl::StrCat("event log chain breaks at position ",
                               checked->broken->position, ": ",
                               checked->broken->reason));
  }
  if (!checked->anchors.empty() && !checked->anchors[0].matched) {
    return finish(absl::StrCat(
        "event log: the chain hash at position ", manifest->position(),
        " is not the one recorded when the backup was made"));
  }
  return finish("");
}

absl::StatusOr<RestoreReport> BackupSet::Restore(const std::string& from,
                                                 const std::string& data_dir,
                                                 std::optional<uint32_t> id) {
  std::error_code ec;
  const bool existed = fs::exists(data_dir, ec);
  absl::StatusOr<RestoreReport> restored = RestoreInto(from, data_dir, id);
  if (!restored.ok() && !absl::IsFailedPrecondition(restored.status())) {
    // Leave nothing a server could be started on by mistake, nor anything
    // that would stop a second try.
    if (!existed) {
      fs::remove_all(data_dir, ec);
    } else {
      for (const fs::directory_entry& entry :
           fs::directory_iterator(data_dir, ec)) {
        if (entry.path().filename() != "lost+found") {
          fs::remove_all(entry.path(), ec);
        }
      }
    }
  }
  return restored;
}

absl::StatusOr<RestoreReport> BackupSet::RestoreInto(
    const std::string& from, const std::string& data_dir,
    std::optional<uint32_t> id) {
  const absl::Time start = absl::Now();
  std::error_code ec;
  // A new filesystem's root holds lost+found, and nothing else.
  auto empty = [&ec](const std::string& dir) {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().filename() != "lost+found") return false;
    }
    return true;
  };
  if (fs::exists(data_dir, ec) && !empty(data_dir)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data-dir: ", data_dir,
        " is not empty; restore into a new directory and start the server "
        "on it"));
  }
  for (const char* sub : {kLog, kProjections}) {
    if (!fs::is_directory(absl::StrCat(from, "/", sub), ec)) {
      return absl::NotFoundError(
          absl::StrCat("--from: ", from, " holds no svledger backups"));
    }
  }
  auto open = [&](const char* sub)
      -> absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> {
    rocksdb::BackupEngineReadOnly* engine = nullptr;
    rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(
        EngineOptions(absl::StrCat(from, "/", sub)), rocksdb::Env::Default(),
        &engine);
    if (!s.ok()) return FromIo(s, absl::StrCat("opening backups in ", from));
    return std::unique_ptr<rocksdb::BackupEngineReadOnly>(engine);
  };
  auto log_engine = open(kLog);
  if (!log_engine.ok()) return log_engine.status();
  auto projections_engine = open(kProjections);
  if (!projections_engine.ok()) return projections_engine.status();

  rocksdb::BackupInfo log;
  rocksdb::Status found = id.has_value()
                              ? (*log_engine)->GetBackupInfo(*id, &log)
                              : (*log_engine)->GetLatestBackupInfo(&log);
  if (!found.ok()) {
    return absl::NotFoundError(
        id.has_value()
            ? absl::StrCat("--backup-id: no backup ", *id, " in ", from)
            : absl::StrCat("--from: no backups in ", from));
  }
  absl::StatusOr<BackupManifest> manifest = ParseManifest(log);
  if (!manifest.ok()) return manifest.status();
  absl::StatusOr<BackupFileList> list = ReadFileList(from, *manifest);
  if (!list.ok()) return list.status();

  RestoreReport report;
  report.id = log.backup_id;
  report.backup_position = manifest->position();
  const std::string log_dir = absl::StrCat(data_dir, "/", kLog);
  const std::string projections_dir = absl::StrCat(data_dir, "/", kProjections);
  for (const std::string& sub : {log_dir, projections_dir}) {
    fs::create_directories(sub, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("--data-dir: creating ", sub, ": ", ec.message()));
    }
  }
  // RocksDB checks each file's checksum as it copies it.
  if (rocksdb::IOStatus s =
          (*log_engine)
              ->RestoreDBFromBackup(rocksdb::RestoreOptions(), log.backup_id,
                                    log_dir, log_dir);
      !s.ok()) {
    return absl::DataLossError(
        absl::StrCat("restoring the event log of backup ", log.backup_id, ": ",
                     s.ToString()));
  }
  if (rocksdb::IOStatus s =
          (*projections_engine)
              ->RestoreDBFromBackup(rocksdb::RestoreOptions(),
                                    manifest->projections_backup_id(),
                                    projections_dir, projections_dir);
      !s.ok()) {
    return absl::DataLossError(
        absl::StrCat("restoring the projections of backup ", log.backup_id,
                     ": ", s.ToString()));
  }
  for (const BackupFile& file : list->files()) {
    // A path from a backup never leaves the data directory.
    const fs::path relative(file.path());
    if (relative.empty() || relative.is_absolute() ||
        std::any_of(relative.begin(), relative.end(),
                    [](const fs::path& part) { return part == ".."; })) {
      return absl::DataLossError(absl::StrCat("backup ", log.backup_id,
                                              " names a file outside the data "
                                              "directory: '",
                                              file.path(), "'"));
    }
  }
  for (const BackupFile& file : list->files()) {
    const std::string kept = FilePath(from, file.sha256());
    absl::StatusOr<std::string> sha = Sha256OfFile(kept);
    if (!sha.ok() || *sha != file.sha256()) {
      return absl::DataLossError(absl::StrCat(
          "restoring ", file.path(), ": ", kFiles, "/", file.sha256(),
          " is missing or does not match its checksum"));
    }
    if (absl::Status s = CopyDurably(
            kept, absl::StrCat(data_dir, "/", file.path()), file.mode());
        !s.ok()) {
      return s;
    }
    ++report.files;
  }

  eventstore::VerifyChainOptions chain;
  if (manifest->position() > 0) {
    chain.anchors.push_back({manifest->position(), manifest->chain_hash()});
  }
  absl::StatusOr<eventstore::ChainReport> checked =
      eventstore::VerifyChainAt(log_dir, chain);
  if (!checked.ok()) return checked.status();
  if (checked->broken.has_value()) {
    return absl::DataLossError(
        absl::StrCat("the restored event log's chain breaks at position ",
                     checked->broken->position, ": ", checked->broken->reason));
  }
  if (!checked->anchors.empty() && !checked->anchors[0].matched) {
    return absl::DataLossError(absl::StrCat(
        "the restored event log's chain hash at position ",
        manifest->position(), " is not the one recorded in the backup"));
  }
  report.position = checked->through;
  report.chain_hash = checked->head_hash;
  report.took = absl::Now() - start;
  return report;
}

}  // namespace svledger::backup
