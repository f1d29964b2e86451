#ifndef SVLEDGER_TESTS_APP_APP_FIXTURE_H_
#define SVLEDGER_TESTS_APP_APP_FIXTURE_H_

// The application over a real event log and read model in a temporary
// directory, with no gRPC: the four councils' frameworks published, an
// injected clock at 2025-01-01, and the policy built but not started (the
// test drives it). Commands run synchronously through Run().

#include <memory>
#include <string>

#include "app/application.h"
#include "common/clock.h"
#include "domain/contract.h"
#include "eventstore/event_store.h"
#include "gtest/gtest.h"
#include "projections/contract_read_model.h"
#include "projections/projection_db.h"
#include "tests/testing/temp_dir.h"

namespace svledger::testing {

class AppFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(domain::StartOfDay(domain::MakeDate(2025, 1, 1)));
    Open();
  }

  // What a suite changes in the log's options before it opens.
  virtual void Configure(eventstore::EventStoreOptions& options) {}

  void Open() {
    eventstore::EventStoreOptions store_options;
    store_options.path = dir_.Sub("log");
    store_options.clock = &clock_;
    Configure(store_options);
    auto store = eventstore::EventStore::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto db = projections::ProjectionDb::Open(dir_.Sub("projections"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto model = projections::ContractReadModel::Open(
        {.store = store_.get(), .db = db_.get()});
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
    auto app =
        app::Application::Create(store_.get(), model_.get(), &clock_, {});
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *std::move(app);
    if (app_->framework_store().Library() == nullptr) {
      ASSERT_TRUE(app_->frameworks()
                      .PublishFrameworkFiles(SVLEDGER_FRAMEWORKS_DIR,
                                             app::Caller::System("test"))
                      .ok());
    }
  }

  void TearDown() override {
    app_.reset();
    if (model_ != nullptr) model_->Stop();
    model_.reset();
    db_.reset();
    if (store_ != nullptr) store_->Close();
  }

  // Runs a command of app::Commands as `actor` and waits for its outcome.
  template <typename Request>
  absl::StatusOr<app::CommandOutcome> Run(
      void (app::Commands::*method)(const app::Caller&, const Request&,
                                    app::CommandDone),
      const Request& request, const std::string& actor = "tester") {
    return app::AwaitCommand([&](app::CommandDone done) {
      (app_->commands().*method)(app::Caller::System(actor), request,
                                 std::move(done));
    });
  }

  // Waits until the read model has applied everything in the log.
  bool Settle() {
    return model_->applied().WaitFor(store_->HeadPosition(),
                                     absl::Now() + absl::Seconds(30));
  }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<projections::ProjectionDb> db_;
  std::unique_ptr<projections::ContractReadModel> model_;
  std::unique_ptr<app::Application> app_;
};

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_APP_APP_FIXTURE_H_
