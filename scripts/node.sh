#!/usr/bin/env bash
# scripts/node.sh — make sure a Node.js >= 22 is available.
#
# If the `node` on PATH is older than 22, Node 24 is installed from the npm
# registry package `node-linux-<arch>` into .tools/node inside the repo (only
# once), and its bin dir is used.
#
# Two ways to use it:
#   source scripts/node.sh   # prepends the Node 24 bin dir to PATH of *your* shell,
#                            # so `node` and the system `npm` (#!/usr/bin/env node)
#                            # run on Node 24
#   bash scripts/node.sh     # installs if needed and prints the bin dir
#
# Environment:
#   NODE_SH_MIN_MAJOR   minimum acceptable major version (default 22)
#   NODE_SH_VERSION     version of node-linux-<arch> to install (default 24.15.0)
#   NODE_SH_FORCE=1     use the pinned Node even if the system one is new enough
#
# When sourced this file defines no functions/variables besides PATH and
# npm_config_nodedir, and it does not change the caller's shell options.

# The real work runs in a subshell with strict mode so that a sourcing shell's
# options are left alone. It prints the bin dir to use (possibly empty = keep
# the current PATH) on stdout; log lines go to stderr.
__ticketing_node_sh_resolve() (
  set -euo pipefail

  log() { printf '[node.sh] %s\n' "$*" >&2; }
  die() { log "ERROR: $*"; exit 1; }

  local script_dir repo_root min_major want_version arch pkg prefix pkg_dir bin_dir
  script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  repo_root="$(cd "${script_dir}/.." && pwd)"
  min_major="${NODE_SH_MIN_MAJOR:-22}"
  want_version="${NODE_SH_VERSION:-24.15.0}"

  # 1. Is the node on PATH good enough?
  if [[ "${NODE_SH_FORCE:-0}" != "1" ]] && command -v node >/dev/null 2>&1; then
    local current major
    current="$(node -v 2>/dev/null || true)"          # e.g. v20.20.2
    major="${current#v}"
    major="${major%%.*}"
    if [[ "${major}" =~ ^[0-9]+$ ]] && ((major >= min_major)); then
      log "node ${current} on PATH ($(command -v node)) is >= ${min_major}; nothing to install"
      dirname "$(command -v node)"
      exit 0
    fi
    log "node ${current:-?} on PATH is older than ${min_major}; using pinned Node ${want_version}"
  else
    log "using pinned Node ${want_version}"
  fi

  # 2. Install node-linux-<arch>@<version> into .tools/node (once).
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
  pkg="node-linux-${arch}"
  prefix="${repo_root}/.tools/node"
  pkg_dir="${prefix}/node_modules/${pkg}"
  bin_dir="${pkg_dir}/bin"

  if [[ -x "${bin_dir}/node" ]] && [[ "$("${bin_dir}/node" -v 2>/dev/null || true)" == "v${want_version}" ]]; then
    log "Node v${want_version} already installed in ${bin_dir}"
  else
    command -v npm >/dev/null 2>&1 || die "npm is needed to install ${pkg}@${want_version} but is not on PATH (apt-get install npm)"
    log "installing ${pkg}@${want_version} into ${prefix} (npm registry)"
    mkdir -p "${prefix}"
    # --prefix with no package.json there: npm just populates node_modules.
    npm install --prefix "${prefix}" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "${pkg}@${want_version}" >&2 ||
      die "npm install ${pkg}@${want_version} failed"
    [[ -x "${bin_dir}/node" ]] || die "expected ${bin_dir}/node after install, not found"
    local got
    got="$("${bin_dir}/node" -v)"
    [[ "${got}" == "v${want_version}" ]] || die "installed node reports ${got}, expected v${want_version}"
    log "installed Node ${got} at ${bin_dir}/node"
  fi
  printf '%s\n' "${bin_dir}"
)

if [[ "${BASH_SOURCE[0]}" != "${0}" ]]; then
  # ---- sourced ----
  if __ticketing_node_sh_bin="$(__ticketing_node_sh_resolve)"; then
    if [[ -n "${__ticketing_node_sh_bin}" ]]; then
      case ":${PATH}:" in
        *":${__ticketing_node_sh_bin}:"*)
          # already present: move it to the front
          PATH=":${PATH}:"
          PATH="${PATH//:${__ticketing_node_sh_bin}:/:}"
          PATH="${PATH#:}"
          PATH="${PATH%:}"
          ;;
      esac
      export PATH="${__ticketing_node_sh_bin}:${PATH}"
      # Native addons (node-gyp) must compile against *this* Node's headers,
      # which the package ships in include/node; there is no internet to
      # download them and ~/.npmrc may point nodedir at the system Node.
      if [[ -f "${__ticketing_node_sh_bin}/../include/node/node.h" ]]; then
        npm_config_nodedir="$(cd "${__ticketing_node_sh_bin}/.." && pwd)"
        export npm_config_nodedir
      fi
      # The official Node binary trusts only its bundled CA list; make it also
      # trust the system store (which may hold a local proxy's CA), as Debian's
      # node does.
      if [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -r /etc/ssl/certs/ca-certificates.crt ]]; then
        export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
      fi
      hash -r 2>/dev/null || true
      printf '[node.sh] PATH now starts with %s (node %s)\n' "${__ticketing_node_sh_bin}" "$(node -v)" >&2
    fi
    unset __ticketing_node_sh_bin
    unset -f __ticketing_node_sh_resolve
  else
    unset __ticketing_node_sh_bin
    unset -f __ticketing_node_sh_resolve
    printf '[node.sh] ERROR: could not provide Node >= %s\n' "${NODE_SH_MIN_MAJOR:-22}" >&2
    # shellcheck disable=SC2317  # `return` works when sourced
    return 1 2>/dev/null || exit 1
  fi
else
  # ---- executed ----
  set -euo pipefail
  __ticketing_node_sh_resolve
fi
