#!/usr/bin/env bash
# Runs shellcheck on every shell script in the repository (*.sh and extensionless files with a
# sh/bash shebang, e.g. .ci/run), following `source` directives. Installs Debian's shellcheck
# when it is missing, so the gate works on a fresh machine and in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  as_root=()
  [[ "$(id -u)" == "0" ]] || as_root=(sudo -n)
  echo "[shellcheck.sh] installing shellcheck (apt)" >&2
  "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends shellcheck >/dev/null
fi

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t candidates < <(git ls-files --cached --others --exclude-standard)
else
  mapfile -t candidates < <(find . -type f -not -path './node_modules/*' -not -path './.tools/*' -not -path './.infra/*' | sed 's|^\./||')
fi
for f in "${candidates[@]}"; do
  [[ -f "${f}" ]] || continue
  case "${f}" in
    node_modules/* | */node_modules/* | .tools/* | .infra/*) continue ;;
  esac
  case "${f##*/}" in
    *.sh) files+=("${f}") ;;
    *.*) ;;
    *) if head -n1 "${f}" 2>/dev/null | grep -Eq '^#!.*(/|env )(ba)?sh\b'; then files+=("${f}"); fi ;;
  esac
done

echo "[shellcheck.sh] $(shellcheck --version | sed -n 's/^version: //p'): ${#files[@]} scripts" >&2
exec shellcheck -x "${files[@]}"
