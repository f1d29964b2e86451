# Shared by scripts/run and scripts/test. Source it; do not run it.
# Installs only the Debian packages that are missing and builds only what is
# out of date.

set -euo pipefail

SVLEDGER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Every package a build or test needs, all from Debian 12.
SVLEDGER_PACKAGES=(
  g++ cmake ninja-build pkg-config
  clang  # the thread-safety build, svledger_check_thread_safety
  libclang-rt-14-dev  # libFuzzer and ASan for tests/fuzz, in that build
  protobuf-compiler libprotobuf-dev
  libgrpc++-dev protobuf-compiler-grpc
  librocksdb-dev
  prometheus-cpp-dev
  libabsl-dev
  libssl-dev  # SHA-256 of requests, common/digest.h; TLS on the HTTP port
  libcpp-httplib-dev  # the HTTP/JSON API, http/
  libmagic-dev  # evidence file types read from their bytes, evidence/
  libcjose-dev libjansson-dev libcurl4-openssl-dev  # OIDC tokens, auth/
  openssl  # test certificates
  curl  # the README's HTTP examples, tests/docs/readme_test.cc
  nodejs  # the web console, console/
  chromium  # the console's browser tests, tests/console/
  libjemalloc-dev
  libgtest-dev libgmock-dev
  prometheus  # promtool and the server, for the metrics tests
  python3 python3-yaml  # tests/deploy/check_deploy.py
)

svledger_install_packages() {
  local wanted=("$@") missing=()
  ((${#wanted[@]})) || wanted=("${SVLEDGER_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  ((${#missing[@]})) || return 0
  echo "scripts: installing missing packages: ${missing[*]}" >&2
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "scripts: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# svledger_install_console: npm (when Node came without it) and the web
# console's packages, exactly as console/package-lock.json pins them, from
# the npm registry; again only when the lockfile changed since.
svledger_install_console() {
  if ! command -v npm >/dev/null; then
    svledger_install_packages npm
  fi
  local dir="$SVLEDGER_ROOT/console"
  if [[ ! -f "$dir/node_modules/.package-lock.json" ||
        "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    echo "scripts: installing the console's npm packages (console/package-lock.json)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# svledger_build BUILD_TYPE DIR [TARGET...]: configures once, then builds.
svledger_build() {
  local type=$1 dir=$2
  shift 2
  if [[ ! -f "$dir/build.ninja" ]]; then
    cmake -S "$SVLEDGER_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
  fi
  cmake --build "$dir" -- -j"$(nproc)" "$@"
}

# svledger_check_thread_safety DIR: builds every library, svledger and svctl
# with clang, -Wthread-safety and -Werror (SVLEDGER_THREAD_SAFETY), so that
# the ABSL_GUARDED_BY annotations are checked, not decorative. Unoptimized:
# only the diagnostics matter. The same build makes the libFuzzer targets
# (SVLEDGER_FUZZ, tests/fuzz); scripts/test runs them with ctest there.
svledger_check_thread_safety() {
  local dir=$1
  if [[ ! -f "$dir/build.ninja" ]]; then
    CXX=clang++ cmake -S "$SVLEDGER_ROOT" -B "$dir" -G Ninja \
      -DCMAKE_BUILD_TYPE=Debug -DSVLEDGER_THREAD_SAFETY=ON -DSVLEDGER_FUZZ=ON \
      -DSVLEDGER_BUILD_TESTS=OFF -DSVLEDGER_JEMALLOC=OFF >/dev/null
  fi
  echo "scripts: thread-safety build (clang -Wthread-safety -Werror)" >&2
  cmake --build "$dir" -- -j"$(nproc)"
}
