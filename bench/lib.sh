# Sourced by every bench script (from the repository root).
#
# bench_build: build dist/ from the sources as they are now. A bench that reuses a
# dist/ left from earlier times old code, so every script builds first, always.
bench_build() {
  npm run build --silent
}

# bench_commit: the commit the figures belong to, for docs/PERFORMANCE.md; it says so
# when the sources measured differ from that commit.
bench_commit() {
  local c
  c=$(git rev-parse --short=12 HEAD)
  if [ -n "$(git status --porcelain --untracked-files=no -- src build.mjs package.json package-lock.json examples bench scripts/podman 2>/dev/null)" ]; then
    c="$c, with uncommitted changes"
  fi
  echo "$c"
}
