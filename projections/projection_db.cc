#include "projections/projection_db.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "eventstore/rocks.h"
#include "projections/format.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace svledger::projections {

using eventstore::FromRocks;
using eventstore::ToSlice;
using eventstore::View;

absl::StatusOr<std::optional<std::string>> ProjectionTable::Get(
    absl::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf_, ToSlice(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, cf_name_);
  return value;
}

absl::Status ProjectionTable::ForEach(
    absl::string_view prefix,
    absl::FunctionRef<absl::Status(absl::string_view, absl::string_view)> fn)
    const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    absl::string_view key = View(it->key());
    if (!absl::StartsWith(key, prefix)) break;
    if (absl::Status s = fn(key, View(it->value())); !s.ok()) return s;
  }
  return FromRocks(it->status(), cf_name_);
}

absl::Status ProjectionTable::Write(
    const std::vector<std::pair<std::string, std::string>>& puts,
    Logging logging) {
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : puts) {
    rocksdb::Status s = batch.Put(cf_, ToSlice(key), ToSlice(value));
    if (!s.ok()) return FromRocks(s, cf_name_);
  }
  rocksdb::WriteOptions options;
  options.disableWAL = logging == Logging::kUnlogged;
  return FromRocks(db_->Write(options, &batch), cf_name_);
}

absl::Status ProjectionTable::Resume() {
  return FromRocks(db_->Resume(), cf_name_);
}

absl::Status ProjectionTable::Flush() {
  return FromRocks(db_->Flush(rocksdb::FlushOptions(), cf_), cf_name_);
}

namespace {

// "<name>.<generation>" -> (name, generation); nullopt if it is not one.
std::optional<std::pair<std::string, uint32_t>> ParseCfName(
    const std::string& cf) {
  const size_t dot = cf.rfind('.');
  uint32_t generation = 0;
  if (dot == std::string::npos || dot == 0 ||
      !absl::SimpleAtoi(cf.substr(dot + 1), &generation)) {
    return std::nullopt;
  }
  return std::make_pair(cf.substr(0, dot), generation);
}

std::string ActiveKey(const std::string& name) {
  return absl::StrCat(format::kActivePrefix, name);
}

rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProjectionDb>> ProjectionDb::Open(
    const std::string& path, int max_open_files) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat(path, ": ", ec.message()));
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_open_files = max_open_files;
  options.info_log = eventstore::StderrLogger("projections");
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, path, &names).ok()) {
    names = {rocksdb::kDefaultColumnFamilyName};
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(options, path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, path);
  std::unique_ptr<ProjectionDb> db(new ProjectionDb);
  db->db_.reset(raw);
  absl::MutexLock lock(&db->mu_);
  std::vector<std::unique_ptr<ProjectionTable>> tables;
  for (size_t i = 0; i < handles.size(); ++i) {
    if (names[i] == rocksdb::kDefaultColumnFamilyName) {
      db->meta_ = handles[i];
      continue;
    }
    auto parsed = ParseCfName(names[i]);
    tables.push_back(std::unique_ptr<ProjectionTable>(new ProjectionTable(
        raw, handles[i], names[i], parsed ? parsed->second : 0)));
  }

  std::string version;
  s = raw->Get(rocksdb::ReadOptions(), db->meta_, format::kFormatVersionKey,
               &version);
  const std::string want = absl::StrCat(format::kFormatVersion);
  if (s.ok() && version != want) {
    // Derived data of another format: start again from the log.
    for (auto& table : tables) {
      if (absl::Status d = db->Drop(std::move(table)); !d.ok()) return d;
    }
    tables.clear();
    std::unique_ptr<rocksdb::Iterator> it(
        raw->NewIterator(rocksdb::ReadOptions(), db->meta_));
    rocksdb::WriteBatch batch;
    for (it->Seek(format::kActivePrefix);
         it->Valid() &&
         absl::StartsWith(View(it->key()), format::kActivePrefix);
         it->Next()) {
      batch.Delete(db->meta_, it->key());
    }
    s = raw->Write(Synced(), &batch);
    if (!s.ok()) return FromRocks(s, path);
    s = rocksdb::Status::NotFound();
  }
  if (s.IsNotFound()) {
    s = raw->Put(Synced(), db->meta_, format::kFormatVersionKey, want);
  }
  if (!s.ok()) return FromRocks(s, path);

  for (auto& table : tables) {
    auto parsed = ParseCfName(table->cf_name());
    std::string active;
    uint32_t generation = 0;
    if (parsed &&
        raw->Get(rocksdb::ReadOptions(), db->meta_, ActiveKey(parsed->first),
                 &active)
            .ok() &&
        absl::SimpleAtoi(active, &generation) && generation == parsed->second) {
      db->active_[parsed->first] = std::move(table);
    } else if (absl::Status d = db->Drop(std::move(table)); !d.ok()) {
      return d;  // a rebuild that never finished
    }
  }
  return db;
}

ProjectionDb::~ProjectionDb() {
  absl::MutexLock lock(&mu_);
  for (auto* tables : {&active_, &next_}) {
    for (auto& [name, table] : *tables) {
      db_->DestroyColumnFamilyHandle(table->cf_);
    }
    tables->clear();
  }
  if (meta_ != nullptr) db_->DestroyColumnFamilyHandle(meta_);
  // Nothing to do about a failed close of derived data: the next open
  // recovers from the WAL, or the projection catches up from the log.
  db_->Close().PermitUncheckedError();
}

absl::Status ProjectionDb::Drop(std::unique_ptr<ProjectionTable> table) {
  rocksdb::Status s = db_->DropColumnFamily(table->cf_);
  db_->DestroyColumnFamilyHandle(table->cf_);
  return FromRocks(s, table->cf_name());
}

absl::StatusOr<ProjectionTable*> ProjectionDb::Active(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (auto it = active_.find(name); it != active_.end()) {
    return it->second.get();
  }
  const std::string cf_name = absl::StrCat(name, ".1");
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  rocksdb::Status s =
      db_->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), cf_name, &cf);
  if (!s.ok()) return FromRocks(s, cf_name);
  auto table = std::unique_ptr<ProjectionTable>(
      new ProjectionTable(db_.get(), cf, cf_name, 1));
  s = db_->Put(Synced(), meta_, ActiveKey(name), "1");
  if (!s.ok()) {
    Drop(std::move(table)).IgnoreError();  // the Put's error is the news
    return FromRocks(s, cf_name);
  }
  ProjectionTable* out = table.get();
  active_[name] = std::move(table);
  return out;
}

absl::StatusOr<ProjectionTable*> ProjectionDb::CreateNext(
    const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto active = active_.find(name);
  if (active == active_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("projection ", name, " has no active table"));
  }
  if (auto it = next_.find(name); it != next_.end()) {
    if (absl::Status s = Drop(std::move(it->second)); !s.ok()) return s;
    next_.erase(it);
  }
  const uint32_t generation = active->second->generation() + 1;
  const std::string cf_name = absl::StrCat(name, ".", generation);
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  rocksdb::Status s =
      db_->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), cf_name, &cf);
  if (!s.ok()) return FromRocks(s, cf_name);
  auto& slot = next_[name];
  slot.reset(new ProjectionTable(db_.get(), cf, cf_name, generation));
  return slot.get();
}

absl::Status ProjectionDb::Activate(const std::string& name,
                                    ProjectionTable* table) {
  absl::MutexLock lock(&mu_);
  auto next = next_.find(name);
  if (next == next_.end() || next->second.get() != table) {
    return absl::FailedPreconditionError(
        absl::StrCat("table is not the one being rebuilt for ", name));
  }
  rocksdb::Status s = db_->Put(Synced(), meta_, ActiveKey(name),
                               absl::StrCat(table->generation()));
  if (!s.ok()) return FromRocks(s, table->cf_name());
  std::unique_ptr<ProjectionTable> old = std::move(active_[name]);
  active_[name] = std::move(next->second);
  next_.erase(next);
  return old == nullptr ? absl::OkStatus() : Drop(std::move(old));
}

}  // namespace svledger::projections
