#!/usr/bin/env bash
# What `make demo` and `make test` need from the machine, checked before anything is installed,
# so a missing tool is one line saying what to install, not a failure deep in a test.
#
#   scripts/check-prereqs.sh demo|test
#
# demo: Node >= 20.6 (tsx's --import), Java at the EMR release's major version (PySpark; see
# constructs/contract/emr-release.json). test: the same, plus terraform and the hashicorp/aws
# provider in the filesystem mirror (scripts/lib/terraform-offline.sh), and the curl, unzip and
# sha256sum the tests call. (Python is checked by the venv's own make rule.) Prints every
# missing piece, one line each, and exits 1 if any is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
what="${1:-}"
[[ $what == demo || $what == test ]] || { echo "usage: scripts/check-prereqs.sh demo|test" >&2; exit 2; }

missing=0
lack() {
  echo "prereqs: $1" >&2
  missing=1
}

if ! command -v node >/dev/null 2>&1; then
  lack "node is not on PATH (need Node >= 20.6)"
else
  node_v="$(node -p 'process.versions.node')"
  IFS=. read -r major minor _ <<<"$node_v"
  if ((major < 20 || (major == 20 && minor < 6))); then
    lack "node is $node_v; need Node >= 20.6 (node --import, used by cdktf.json and the scripts)"
  fi
fi

want_java="$(sed -n 's/^ *"java": *\([0-9]*\),*$/\1/p' "$root/constructs/contract/emr-release.json")"
if ! command -v java >/dev/null 2>&1; then
  lack "java is not on PATH (need Java $want_java, the EMR release's, for PySpark)"
else
  java_v="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  java_major="${java_v%%.*}"
  [[ $java_major == 1 ]] && java_major="$(cut -d. -f2 <<<"$java_v")" # "1.8.0" is Java 8
  if [[ $java_major != "$want_java" ]]; then
    lack "java is ${java_v:-unknown}; need Java $want_java, the EMR release's (set JAVA_HOME/PATH)"
  fi
fi

if [[ $what == test ]]; then
  # shellcheck source=lib/terraform-offline.sh
  source "$root/scripts/lib/terraform-offline.sh"
  why="$(tf_offline_check)" || lack "$why (docs/operations.md#troubleshooting-the-build-and-the-tests)"
  for tool in curl unzip sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || lack "$tool is not on PATH (the tests call it)"
  done
fi

exit "$missing"
