#include "projections/contract_read_model.h"

#include <utility>

namespace svledger::projections {
namespace {

constexpr char kName[] = "contracts";

}  // namespace

ContractReadModel::ContractReadModel(ContractReadModelOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<ContractReadModel>> ContractReadModel::Open(
    ContractReadModelOptions options) {
  if (options.store == nullptr || options.db == nullptr) {
    return absl::InvalidArgumentError("store and db are required");
  }
  std::unique_ptr<ContractReadModel> model(
      new ContractReadModel(std::move(options)));
  absl::StatusOr<ProjectionTable*> table = model->options_.db->Active(kName);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::shared_ptr<ContractProjection>> projection =
      model->LoadProjection(*table);
  if (!projection.ok()) return projection.status();
  if (absl::Status s = (*projection)->CatchUp(); !s.ok()) return s;
  {
    absl::MutexLock lock(&model->mu_);
    model->current_ = *projection;
  }
  model->applied_.Publish((*projection)->applied());
  (*projection)->Follow();
  return model;
}

ContractReadModel::~ContractReadModel() { Stop(); }

absl::StatusOr<std::shared_ptr<ContractProjection>>
ContractReadModel::LoadProjection(ProjectionTable* table) {
  ContractProjectionOptions options;
  options.store = options_.store;
  options.table = table;
  options.batch_events = options_.batch_events;
  options.on_applied = [this, generation = table->generation()](
                           uint64_t checkpoint,
                           const ContractChanges& changes) {
    OnApplied(generation, checkpoint, changes);
  };
  absl::StatusOr<std::unique_ptr<ContractProjection>> p =
      ContractProjection::Load(std::move(options));
  if (!p.ok()) return p.status();
  return std::shared_ptr<ContractProjection>(*std::move(p));
}

std::shared_ptr<const ContractProjection> ContractReadModel::current() const {
  absl::ReaderMutexLock lock(&mu_);
  return current_;
}

void ContractReadModel::OnApplied(uint32_t generation, uint64_t checkpoint,
                                  const ContractChanges& changes) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (current_ == nullptr || current_->generation() != generation) return;
  }
  applied_.Publish(checkpoint);
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    absl::MutexLock lock(&listeners_mu_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) (*listener)(changes);
}

uint64_t ContractReadModel::AddListener(Listener listener) {
  absl::MutexLock lock(&listeners_mu_);
  const uint64_t id = next_listener_++;
  listeners_[id] = std::make_shared<Listener>(std::move(listener));
  return id;
}

void ContractReadModel::RemoveListener(uint64_t id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

absl::Status ContractReadModel::ClaimRebuild() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return absl::UnavailableError("read model is stopped");
  if (rebuild_running_) {
    return absl::FailedPreconditionError("a rebuild is already running");
  }
  rebuild_running_ = true;
  return absl::OkStatus();
}

absl::Status ContractReadModel::StartRebuild() {
  if (absl::Status s = ClaimRebuild(); !s.ok()) return s;
  absl::MutexLock lock(&swap_mu_);
  if (rebuild_thread_.joinable()) rebuild_thread_.join();  // finished
  rebuild_thread_ = std::thread([this] {
    // The outcome is reported through status().last_rebuild_error.
    RunRebuild().IgnoreError();
  });
  return absl::OkStatus();
}

absl::Status ContractReadModel::Rebuild() {
  if (absl::Status s = ClaimRebuild(); !s.ok()) return s;
  return RunRebuild();
}

absl::Status ContractReadModel::RunRebuild() {
  std::shared_ptr<ContractProjection> fresh;
  auto finish = [&](absl::Status s) {
    absl::MutexLock lock(&mu_);
    rebuild_running_ = false;
    rebuilding_ = nullptr;
    last_rebuild_error_ = s.ok() ? "" : s.ToString();
    return s;
  };
  absl::StatusOr<ProjectionTable*> table = options_.db->CreateNext(kName);
  if (!table.ok()) return finish(table.status());
  absl::StatusOr<std::shared_ptr<ContractProjection>> loaded =
      LoadProjection(*table);
  if (!loaded.ok()) return finish(loaded.status());
  fresh = *std::move(loaded);
  {
    absl::MutexLock lock(&mu_);
    rebuilding_ = fresh;
  }
  // Catch up while the old projection serves, until little is left.
  while (true) {
    if (absl::Status s = fresh->CatchUpUnlogged(); !s.ok()) return finish(s);
    {
      absl::ReaderMutexLock lock(&mu_);
      if (stopped_) return finish(absl::CancelledError("stopped"));
    }
    if (fresh->applied() + options_.batch_events >= current()->applied()) {
      break;
    }
  }
  {
    absl::MutexLock swap(&swap_mu_);
    std::shared_ptr<ContractProjection> old;
    {
      absl::ReaderMutexLock lock(&mu_);
      if (stopped_) return finish(absl::CancelledError("stopped"));
      old = current_;
    }
    // Freeze the old one, bring the new one level with the log, switch.
    old->Stop();
    absl::Status s = fresh->CatchUp();
    if (s.ok()) s = options_.db->Activate(kName, *table);
    if (!s.ok()) {
      old->Follow();
      return finish(s);
    }
    {
      absl::MutexLock lock(&mu_);
      current_ = fresh;
    }
    fresh->Follow();
  }
  OnApplied(fresh->generation(), fresh->applied(),
            {.checkpoint = fresh->applied(), .all = true});
  return finish(absl::OkStatus());
}

ReadModelStatus ContractReadModel::status() const {
  absl::ReaderMutexLock lock(&mu_);
  ReadModelStatus out;
  out.generation = current_->generation();
  out.applied = current_->applied();
  out.skipped = current_->skipped();
  out.rebuilding = rebuild_running_;
  if (rebuilding_ != nullptr) out.rebuild_applied = rebuilding_->applied();
  out.last_rebuild_error = last_rebuild_error_;
  return out;
}

void ContractReadModel::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  std::thread rebuild;
  {
    absl::MutexLock lock(&swap_mu_);
    rebuild = std::move(rebuild_thread_);
  }
  if (rebuild.joinable()) rebuild.join();
  std::shared_ptr<ContractProjection> current;
  {
    absl::ReaderMutexLock lock(&mu_);
    current = current_;
  }
  if (current != nullptr) current->Stop();
  applied_.Stop();
}

}  // namespace svledger::projections
