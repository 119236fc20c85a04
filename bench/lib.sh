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

# bench_secrets CONFIG KUBECONFIG: every Secret the model references (railyard check
# --cluster lists them, with their namespaces and keys), created with random values
# passed on stdin only, so the deploy's secrets preflight passes.
bench_secrets() {
  local cfg=$1 kc=$2 list
  list=$(mktemp)
  node bin/railyard.js check "$cfg" --cluster --format json --kubeconfig "$kc" >"$list" || true
  node -e '
const { checked } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const crypto = require("crypto");
const items = checked.map((s) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: s.name, namespace: s.namespace }, type: "Opaque", stringData: Object.fromEntries(s.keys.map((k) => [k.replace(/\*/g, "X"), crypto.randomBytes(8).toString("hex")])) }));
const nss = [...new Set(checked.map((s) => s.namespace))].map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n } }));
process.stdout.write(JSON.stringify({ apiVersion: "v1", kind: "List", items: [...nss, ...items] }));
' "$list" | kubectl --kubeconfig "$kc" apply -f - >/dev/null
  rm -f "$list"
}
