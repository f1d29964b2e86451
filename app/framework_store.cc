#include "app/framework_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/framework_catalog.h"
#include "domain/ids.h"
#include "domain/publication.h"
#include "eventstore/stream_reader.h"

namespace svledger::app {
namespace {

// Lost races a publication re-decides before giving up with ABORTED.
constexpr int kMaxRaceRetries = 5;

template <typename Message>
struct Parsed {
  std::shared_ptr<Message> message;
  uint64_t position = 0;
};

// The events of `stream` from `from` on that parse as `type`; counts the
// others in `skipped`. Sets `next` to the version after the last read.
template <typename Message>
absl::StatusOr<std::vector<Parsed<Message>>> ReadNew(
    const eventstore::EventStore& store, const std::string& stream,
    const std::string& type, uint64_t from, uint64_t& next, uint64_t& skipped) {
  std::vector<Parsed<Message>> out;
  next = from;
  absl::Status s = eventstore::ForEachStreamEvent(
      store, stream, from, [&](const eventstore::RecordedEvent& e) {
        next = e.stream_version + 1;
        auto message = std::make_shared<Message>();
        if (e.type != type || !message->ParseFromString(e.payload)) {
          ++skipped;
        } else {
          out.push_back({std::move(message), e.position});
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FrameworkStore>> FrameworkStore::Open(
    eventstore::EventStore* store, std::set<std::string> councils) {
  std::unique_ptr<FrameworkStore> fs(
      new FrameworkStore(store, std::move(councils)));
  // Read before catching up, so that whatever is appended meanwhile moves
  // the head past it and is caught up by the follower.
  const uint64_t head = store->HeadPosition();
  if (absl::Status s = fs->CatchUp(); !s.ok()) return s;
  FrameworkStore* self = fs.get();
  fs->follower_ = std::make_unique<LogFollower>(
      store, kFollowInterval, head, "svl-frameworks",
      [self] { return self->CatchUp(); },
      [self] {
        absl::MutexLock lock(&self->mu_);
        ++self->follow_failures_;
      });
  return fs;
}

// The follower stops before the members it reads go.
FrameworkStore::~FrameworkStore() { follower_.reset(); }

absl::Status FrameworkStore::CatchUp() {
  absl::MutexLock catching(&catch_up_mu_);
  uint64_t from_measures, from_frameworks;
  {
    absl::MutexLock lock(&mu_);
    from_measures = next_measures_;
    from_frameworks = next_frameworks_;
  }
  uint64_t next_measures, next_frameworks, skipped = 0;
  absl::StatusOr<std::vector<Parsed<v1::MeasureLibrary>>> libraries =
      ReadNew<v1::MeasureLibrary>(*store_, domain::kMeasuresStream,
                                  kMeasureLibraryPublished, from_measures,
                                  next_measures, skipped);
  if (!libraries.ok()) return libraries.status();
  absl::StatusOr<std::vector<Parsed<v1::Framework>>> frameworks =
      ReadNew<v1::Framework>(*store_, domain::kFrameworksStream,
                             kFrameworkPublished, from_frameworks,
                             next_frameworks, skipped);
  if (!frameworks.ok()) return frameworks.status();
  absl::MutexLock lock(&mu_);
  for (Parsed<v1::MeasureLibrary>& l : *libraries) {
    const uint32_t version = l.message->version();
    libraries_[version] = {std::move(l.message), l.position};
  }
  for (Parsed<v1::Framework>& f : *frameworks) {
    if (f.message->measure_library_version() == 0) {
      // Published before pinning: it pins the library latest then.
      for (const auto& [version, entry] : libraries_) {
        if (entry.second < f.position) {
          f.message->set_measure_library_version(version);
        }
      }
    }
    auto key = std::make_pair(f.message->id(), f.message->version());
    frameworks_[std::move(key)] = {std::move(f.message), f.position};
  }
  next_measures_ = next_measures;
  next_frameworks_ = next_frameworks;
  skipped_ += skipped;
  return absl::OkStatus();
}

absl::StatusOr<FrameworkStore::Published> FrameworkStore::Append(
    const std::string& stream, const std::string& type, const Uuid& id,
    const std::string* payload, const std::string& actor,
    const std::string& authenticated_by,
    const std::function<absl::StatusOr<std::optional<uint64_t>>()>& decide) {
  eventstore::ProposedEvent event;
  event.id = id;
  event.type = type;
  event.metadata.actor = actor;
  event.metadata.authenticated_by = authenticated_by;
  for (int attempt = 0;; ++attempt) {
    if (absl::Status s = CatchUp(); !s.ok()) return s;
    uint64_t next;
    {
      absl::MutexLock lock(&mu_);
      absl::StatusOr<std::optional<uint64_t>> already = decide();
      if (!already.ok()) return already.status();
      if (already->has_value()) return Published{**already, true};
      next =
          stream == domain::kMeasuresStream ? next_measures_ : next_frameworks_;
    }
    event.payload = *payload;
    absl::StatusOr<eventstore::AppendResult> r =
        store_->Append(stream,
                       next == 0 ? eventstore::ExpectedVersion::NoStream()
                                 : eventstore::ExpectedVersion::Exact(next - 1),
                       {event});
    if (r.ok()) {
      // Seen here by the time the caller is answered; if this catch-up
      // fails, the follower's next one applies it.
      if (!CatchUp().ok()) {
        absl::MutexLock lock(&mu_);
        ++follow_failures_;
      }
      return Published{r->last_position, r->deduplicated};
    }
    if (r.status().code() != absl::StatusCode::kAborted ||
        attempt >= kMaxRaceRetries) {
      return r.status();
    }
  }
}

absl::StatusOr<FrameworkStore::Published> FrameworkStore::PublishLibrary(
    const v1::MeasureLibrary& library, const std::string& actor,
    const std::string& authenticated_by) {
  if (absl::Status s = domain::ValidateMeasureLibrary(library, "library");
      !s.ok()) {
    return s;
  }
  absl::MutexLock publishing(&publish_mu_);
  const std::string payload = library.SerializeAsString();
  return Append(
      domain::kMeasuresStream, kMeasureLibraryPublished,
      domain::MeasureLibraryEventId(library.version()), &payload, actor,
      authenticated_by,
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
          mu_) -> absl::StatusOr<std::optional<uint64_t>> {
        std::map<uint32_t, domain::PublishedVersion> published;
        for (const auto& [version, entry] : libraries_) {
          published[version] = {entry.first.get(), entry.second};
        }
        absl::StatusOr<std::optional<uint64_t>> decided =
            domain::DecidePublication(published, library, library.version(),
                                      "measure library");
        if (!decided.ok() || decided->has_value()) return decided;
        // The latest version of each framework, with the library
        // it pins.
        std::vector<domain::PinnedFramework> live;
        for (auto it = frameworks_.begin(); it != frameworks_.end(); ++it) {
          auto next = std::next(it);
          if (next != frameworks_.end() &&
              next->first.first == it->first.first) {
            continue;
          }
          const v1::Framework* f = it->second.first.get();
          auto pinned = libraries_.find(f->measure_library_version());
          live.push_back({f, pinned == libraries_.end()
                                 ? nullptr
                                 : pinned->second.first.get()});
        }
        if (absl::Status s = domain::CheckLibraryKeepsMeasures(library, live);
            !s.ok()) {
          return s;
        }
        return decided;
      });
}

absl::StatusOr<FrameworkStore::Published> FrameworkStore::PublishFramework(
    const v1::Framework& proposed, const std::string& actor,
    const std::string& authenticated_by) {
  if (Library() == nullptr) {
    return absl::FailedPreconditionError(
        "no measure library is published yet; publish one first");
  }
  if (absl::Status s = CheckServed(proposed.id(), "framework.id"); !s.ok()) {
    return s;
  }
  absl::MutexLock publishing(&publish_mu_);
  // Filled in by `decide` (the pinned library is known only once caught
  // up); what Append writes.
  v1::Framework framework = proposed;
  std::string payload;
  auto decide = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                    mu_) -> absl::StatusOr<std::optional<uint64_t>> {
    framework = proposed;
    if (framework.measure_library_version() == 0) {
      auto same = frameworks_.find({framework.id(), framework.version()});
      framework.set_measure_library_version(
          same != frameworks_.end()
              ? same->second.first->measure_library_version()
              : libraries_.rbegin()->first);
    }
    auto pinned = libraries_.find(framework.measure_library_version());
    if (pinned == libraries_.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "framework: measure_library_version: library version ",
          framework.measure_library_version(), " is not published"));
    }
    if (absl::Status s = domain::ValidateFramework(
            framework, *pinned->second.first, "framework");
        !s.ok()) {
      return s;
    }
    std::map<uint32_t, domain::PublishedVersion> published;
    for (auto it = frameworks_.lower_bound({framework.id(), 0});
         it != frameworks_.end() && it->first.first == framework.id(); ++it) {
      published[it->first.second] = {it->second.first.get(), it->second.second};
    }
    payload = framework.SerializeAsString();
    return domain::DecidePublication(
        published, framework, framework.version(),
        absl::StrCat("framework '", framework.id(), "'"));
  };
  return Append(domain::kFrameworksStream, kFrameworkPublished,
                domain::FrameworkEventId(proposed.id(), proposed.version()),
                &payload, actor, authenticated_by, decide);
}

std::shared_ptr<const v1::MeasureLibrary> FrameworkStore::LibraryFor(
    const v1::FrameworkRef& ref) const {
  {
    absl::MutexLock lock(&mu_);
    auto f = frameworks_.find({ref.id(), ref.version()});
    if (f != frameworks_.end()) {
      auto l = libraries_.find(f->second.first->measure_library_version());
      if (l != libraries_.end()) return l->second.first;
    }
  }
  return LibraryOrEmpty();
}

std::shared_ptr<const v1::MeasureLibrary> FrameworkStore::LibraryVersion(
    uint32_t version) const {
  absl::MutexLock lock(&mu_);
  auto it = libraries_.find(version);
  return it == libraries_.end() ? nullptr : it->second.first;
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

absl::Status FrameworkStore::CheckCouncil(const std::string& council,
                                          absl::string_view field) const {
  if (council.empty()) return absl::OkStatus();
  std::vector<std::string> known;
  for (const auto& f : List()) {
    if (f->id() == council) return absl::OkStatus();
    known.push_back(f->id());
  }
  return absl::NotFoundError(absl::StrCat(
      field, ": no council '", council, "' (known: ",
      known.empty() ? "none published" : absl::StrJoin(known, ", "), ")"));
}

uint64_t FrameworkStore::skipped() const {
  absl::MutexLock lock(&mu_);
  return skipped_;
}

uint64_t FrameworkStore::follow_failures() const {
  absl::MutexLock lock(&mu_);
  return follow_failures_;
}

absl::Status FrameworkStore::CheckServed(const std::string& id,
                                         const std::string& field) const {
  if (Serves(id)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(field, ": council \"", id,
                   "\" is not served by this instance, which serves ",
                   absl::StrJoin(councils_, ", "), " (--councils)"));
}

}  // namespace svledger::app
