#!/usr/bin/env bash
# stripe-mock, the official Stripe API mock (a Go program), for the Stripe adapter's tests.
# Installed once with the machine's Go (`go install github.com/stripe/stripe-mock@VERSION`)
# into .tools/stripe-mock, like the project's other tools.
#   bash scripts/stripe-mock.sh --install                    # only make sure it is installed
#   bash scripts/stripe-mock.sh -http-addr 127.0.0.1:12111   # run it (arguments go to stripe-mock)
# services/bookings/test/stripe-gateway.test.ts starts and stops it on a free port itself.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${STRIPE_MOCK_VERSION:-v0.203.0}"
DIR="$PWD/.tools/stripe-mock"
BIN="$DIR/bin/stripe-mock"
# Go as old as Debian's (1.19) cannot build it; 1.21+ fetches a newer toolchain from the Go proxy by itself.
TOOLCHAIN="go1.22.12"

go_minor() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p'; }

find_go() {
  local go
  go="$(command -v go || true)"
  if [ -z "$go" ] && [ -x /usr/local/go/bin/go ]; then go=/usr/local/go/bin/go; fi
  if [ -z "$go" ]; then
    echo "[stripe-mock] installing Go with apt-get" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >&2
    go="$(command -v go)"
  fi
  if [ "$(go_minor "$go")" -lt 21 ]; then
    # The toolchain is itself a module on the Go proxy.
    local arch
    arch="$("$go" env GOARCH)"
    echo "[stripe-mock] Go $("$go" env GOVERSION) is too old; fetching $TOOLCHAIN from the Go proxy" >&2
    local mod
    mod="$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod "$go" mod download -json "golang.org/toolchain@v0.0.1-$TOOLCHAIN.linux-$arch" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
    go="$mod/bin/go"
  fi
  echo "$go"
}

if [ ! -x "$BIN" ] || [ "$(cat "$DIR/VERSION" 2>/dev/null)" != "$VERSION" ]; then
  GO="$(find_go)"
  echo "[stripe-mock] installing stripe-mock $VERSION into .tools/stripe-mock with $("$GO" env GOVERSION)" >&2
  mkdir -p "$DIR/bin"
  GOBIN="$DIR/bin" GOFLAGS=-mod=mod "$GO" install "github.com/stripe/stripe-mock@$VERSION" >&2
  echo "$VERSION" >"$DIR/VERSION"
fi

if [ "${1:-}" = "--install" ]; then
  exit 0
fi
exec "$BIN" "$@"
