#ifndef SVLEDGER_BENCH_SCRATCH_H_
#define SVLEDGER_BENCH_SCRATCH_H_

// What the benchmarks share before they measure anything.

#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace svledger::bench {

// A data directory of its own for one benchmark run:
// "<tmp>/svledger-<name>-<pid>". Not created; the caller removes it.
inline std::string ScratchDir(absl::string_view name) {
  return (std::filesystem::temp_directory_path() /
          absl::StrCat("svledger-", name, "-", getpid()))
      .string();
}

}  // namespace svledger::bench

#endif  // SVLEDGER_BENCH_SCRATCH_H_
