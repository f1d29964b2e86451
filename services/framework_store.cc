#include "services/framework_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/uuid.h"
#include "domain/framework_catalog.h"
#include "eventstore/stream_reader.h"
#include "google/protobuf/util/message_differencer.h"

namespace svledger::services {
namespace {

constexpr int kMaxRaceRetries = 5;

using google::protobuf::util::MessageDifferencer;

// Reads every event of `stream`, oldest first.
absl::StatusOr<std::vector<eventstore::RecordedEvent>> ReadWholeStream(
    eventstore::EventStore* store, const std::string& stream) {
  std::vector<eventstore::RecordedEvent> out;
  absl::Status s = eventstore::ForEachStreamEvent(
      *store, stream, 0, [&](const eventstore::RecordedEvent& e) {
        out.push_back(e);
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FrameworkStore>> FrameworkStore::Load(
    eventstore::EventStore* store, std::set<std::string> councils) {
  std::unique_ptr<FrameworkStore> fs(
      new FrameworkStore(store, std::move(councils)));
  absl::MutexLock lock(&fs->mu_);
  absl::StatusOr<std::vector<eventstore::RecordedEvent>> libraries =
      ReadWholeStream(store, kMeasuresStream);
  if (!libraries.ok()) return libraries.status();
  for (const eventstore::RecordedEvent& e : *libraries) {
    auto library = std::make_shared<v1::MeasureLibrary>();
    if (e.type != kMeasureLibraryPublished ||
        !library->ParseFromString(e.payload)) {
      ++fs->skipped_;
      continue;
    }
    fs->libraries_[library->version()] = {library, e.position};
  }
  absl::StatusOr<std::vector<eventstore::RecordedEvent>> frameworks =
      ReadWholeStream(store, kFrameworksStream);
  if (!frameworks.ok()) return frameworks.status();
  for (const eventstore::RecordedEvent& e : *frameworks) {
    auto framework = std::make_shared<v1::Framework>();
    if (e.type != kFrameworkPublished ||
        !framework->ParseFromString(e.payload)) {
      ++fs->skipped_;
      continue;
    }
    fs->frameworks_[{framework->id(), framework->version()}] = {framework,
                                                                e.position};
  }
  return fs;
}

absl::StatusOr<uint64_t> FrameworkStore::AppendVersion(
    const std::string& stream, const std::string& type,
    const std::string& event_name, const std::string& payload,
    const std::string& actor) {
  eventstore::ProposedEvent event;
  event.id = Uuid::FromName(event_name);
  event.type = type;
  event.payload = payload;
  event.metadata.actor = actor;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::optional<uint64_t>> last =
        store_->StreamLastVersion(stream);
    if (!last.ok()) return last.status();
    const eventstore::ExpectedVersion expected =
        last->has_value() ? eventstore::ExpectedVersion::Exact(**last)
                          : eventstore::ExpectedVersion::NoStream();
    absl::StatusOr<eventstore::AppendResult> r =
        store_->Append(stream, expected, {event});
    if (r.ok()) return r->last_position;
    if (r.status().code() != absl::StatusCode::kAborted ||
        attempt >= kMaxRaceRetries) {
      return r.status();
    }
  }
}

absl::StatusOr<FrameworkStore::Published> FrameworkStore::PublishLibrary(
    const v1::MeasureLibrary& library, const std::string& actor) {
  if (absl::Status s = domain::ValidateMeasureLibrary(library, "library");
      !s.ok()) {
    return s;
  }
  absl::MutexLock publishing(&publish_mu_);
  uint32_t latest = 0;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = libraries_.find(library.version()); it != libraries_.end()) {
      if (MessageDifferencer::Equals(*it->second.first, library)) {
        return Published{it->second.second, true};
      }
      return absl::AlreadyExistsError(
          absl::StrCat("version: measure library version ", library.version(),
                       " is published and is never rewritten; publish version ",
                       libraries_.rbegin()->first + 1));
    }
    if (!libraries_.empty()) latest = libraries_.rbegin()->first;
  }
  if (library.version() != latest + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("version: the next measure library version is ",
                     latest + 1, ", not ", library.version()));
  }
  absl::StatusOr<uint64_t> position =
      AppendVersion(kMeasuresStream, kMeasureLibraryPublished,
                    absl::StrCat("measures/v", library.version()),
                    library.SerializeAsString(), actor);
  if (!position.ok()) return position.status();
  absl::MutexLock lock(&mu_);
  libraries_[library.version()] = {
      std::make_shared<v1::MeasureLibrary>(library), *position};
  return Published{*position, false};
}

absl::StatusOr<FrameworkStore::Published> FrameworkStore::PublishFramework(
    const v1::Framework& framework, const std::string& actor) {
  std::shared_ptr<const v1::MeasureLibrary> library = Library();
  if (library == nullptr) {
    return absl::FailedPreconditionError(
        "no measure library is published yet; publish one first");
  }
  if (absl::Status s =
          domain::ValidateFramework(framework, *library, "framework");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckServed(framework.id(), "framework.id"); !s.ok()) {
    return s;
  }
  absl::MutexLock publishing(&publish_mu_);
  uint32_t latest = 0;
  {
    absl::MutexLock lock(&mu_);
    const auto key = std::make_pair(framework.id(), framework.version());
    if (auto it = frameworks_.find(key); it != frameworks_.end()) {
      if (MessageDifferencer::Equals(*it->second.first, framework)) {
        return Published{it->second.second, true};
      }
      return absl::AlreadyExistsError(absl::StrCat(
          "version: framework '", framework.id(), "' version ",
          framework.version(), " is published and is never rewritten"));
    }
    auto next = frameworks_.lower_bound({framework.id(), 0});
    for (; next != frameworks_.end() && next->first.first == framework.id();
         ++next) {
      latest = next->first.second;
    }
  }
  if (framework.version() != latest + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("version: the next version of framework '", framework.id(),
                     "' is ", latest + 1, ", not ", framework.version()));
  }
  absl::StatusOr<uint64_t> position = AppendVersion(
      kFrameworksStream, kFrameworkPublished,
      absl::StrCat("framework/", framework.id(), "/v", framework.version()),
      framework.SerializeAsString(), actor);
  if (!position.ok()) return position.status();
  absl::MutexLock lock(&mu_);
  frameworks_[{framework.id(), framework.version()}] = {
      std::make_shared<v1::Framework>(framework), *position};
  return Published{*position, false};
}

std::shared_ptr<const v1::MeasureLibrary> FrameworkStore::Library() const {
  absl::MutexLock lock(&mu_);
  if (libraries_.empty()) return nullptr;
  return libraries_.rbegin()->second.first;
}

v1::EscalationLadder FrameworkStore::LadderOf(
    const v1::FrameworkRef& ref) const {
  std::shared_ptr<const v1::Framework> framework = Get(ref.id(), ref.version());
  return framework != nullptr ? framework->escalation()
                              : v1::EscalationLadder();
}

std::shared_ptr<const v1::MeasureLibrary> FrameworkStore::LibraryOrEmpty()
    const {
  static const auto* const kEmpty =
      new std::shared_ptr<const v1::MeasureLibrary>(
          std::make_shared<v1::MeasureLibrary>());
  std::shared_ptr<const v1::MeasureLibrary> library = Library();
  return library != nullptr ? library : *kEmpty;
}

std::shared_ptr<const v1::Framework> FrameworkStore::Get(
    const std::string& id, uint32_t version) const {
  absl::MutexLock lock(&mu_);
  auto it = frameworks_.find({id, version});
  return it == frameworks_.end() ? nullptr : it->second.first;
}

std::shared_ptr<const v1::Framework> FrameworkStore::Latest(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<const v1::Framework> latest;
  for (auto it = frameworks_.lower_bound({id, 0});
       it != frameworks_.end() && it->first.first == id; ++it) {
    latest = it->second.first;
  }
  return latest;
}

std::vector<std::shared_ptr<const v1::Framework>> FrameworkStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<const v1::Framework>> out;
  for (auto it = frameworks_.begin(); it != frameworks_.end(); ++it) {
    auto next = std::next(it);
    if (next == frameworks_.end() || next->first.first != it->first.first) {
      out.push_back(it->second.first);  // the last version of this id
    }
  }
  return out;
}

uint64_t FrameworkStore::skipped() const {
  absl::MutexLock lock(&mu_);
  return skipped_;
}

absl::Status FrameworkStore::CheckServed(const std::string& id,
                                         const std::string& field) const {
  if (Serves(id)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(field, ": council \"", id,
                   "\" is not served by this instance, which serves ",
                   absl::StrJoin(councils_, ", "), " (--councils)"));
}

}  // namespace svledger::services
