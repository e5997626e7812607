#!/usr/bin/env bash
# End-to-end test of the extension in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) from
# npm, driven by playwright-core with Debian's chromium. Installs code-server into .e2e/ on first
# run (native modules are built: a few minutes), then reuses it. Packages the .vsix exactly as
# `npm run package` does, installs it into a fresh profile whose `remedy.python` cannot run the
# server, and runs extension/e2e/drive.js: first run -> exactly one Remedy toast, "Select
# interpreter" -> the lenses come back without a restart command; "Fix this test" -> inline
# proposal -> Accept (file fixed, test passes) -> Ctrl+Z (the proposal is back) -> Accept again;
# again -> the diff editor -> Reject from its title bar (nothing changed); "Fix this test" on a
# passing test -> the server's prompt as a notification.
#
# Env: REMEDY_PYTHON (interpreter with Remedy installed; default .venv/bin/python),
#      E2E_ROOT (cache folder; default .e2e), SKIP_PACKAGE=1 (reuse remedy-0.1.0.vsix),
#      UPDATE_DOCS=1 (copy the first-run and diff-editor screenshots into docs/).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=${E2E_ROOT:-$REPO/.e2e}
PYTHON=${REMEDY_PYTHON:-$REPO/.venv/bin/python}
CS_VERSION=4.100.3
RG_PKG_VERSION=1.15.11      # the @vscode/ripgrep that code-server 4.100.3 pins
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
VSIX=$REPO/remedy-0.1.0.vsix
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

log() { echo "== $*"; }
t0=$SECONDS

# Everything code-server, npm and chromium write stays inside $ROOT.
mkdir -p "$ROOT"
export XDG_CONFIG_HOME="$ROOT/xdg/config" XDG_DATA_HOME="$ROOT/xdg/data" XDG_STATE_HOME="$ROOT/xdg/state"
export XDG_CACHE_HOME="$ROOT/xdg/cache" TMPDIR="$ROOT/tmp"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME" "$TMPDIR"

[ -x "$PYTHON" ] || { echo "no Python interpreter at $PYTHON (run make install, or set REMEDY_PYTHON)"; exit 1; }
"$PYTHON" -c "import server, pygls" || { echo "$PYTHON cannot import Remedy's server"; exit 1; }

if [ ! -x "$CHROMIUM" ] || ! command -v rg >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install chromium ripgrep libkrb5-dev"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ripgrep libkrb5-dev >/dev/null
  else
    echo "needs $CHROMIUM and rg (Debian: apt-get install chromium ripgrep libkrb5-dev)"; exit 1
  fi
fi

CODE_SERVER="$ROOT/cs/node_modules/.bin/code-server"
if [ ! -x "$CODE_SERVER" ]; then
  log "npm install code-server@$CS_VERSION into $ROOT/cs (first run only)"
  dpkg -s libkrb5-dev >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libkrb5-dev >/dev/null; }
  # @vscode/ripgrep's postinstall downloads rg from GitHub: seed its cache with Debian's rg.
  mkdir -p "$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION" "$ROOT/rgpkg" "$ROOT/cs"
  cp "$(command -v rg)" "$ROOT/rgpkg/rg"
  tar czf "$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION/$RG_ASSET" -C "$ROOT/rgpkg" rg
  # node-gyp builds against Debian's node headers rather than downloading them
  [ -d /usr/include/node ] && export npm_config_nodedir="${npm_config_nodedir:-/usr}"
  [ -f "$ROOT/cs/package.json" ] || echo '{"name":"cs-host","private":true}' > "$ROOT/cs/package.json"
  # yes: node-pty's postinstall runs npx; unsafe_perm: code-server's postinstall refuses root otherwise.
  ( cd "$ROOT/cs" && npm_config_yes=true npm_config_unsafe_perm=true \
      npm install --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION" > "$ROOT/cs-install.log" 2>&1 ) \
    || { tail -40 "$ROOT/cs-install.log"; exit 1; }
fi
log "code-server ready ($((SECONDS - t0)) s)"

cd "$REPO"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
if [ "${SKIP_PACKAGE:-0}" != 1 ] || [ ! -f "$VSIX" ]; then
  log "npm run package"
  npm run package > "$ROOT/package.log" 2>&1 || { tail -30 "$ROOT/package.log"; exit 1; }
fi
log "packaged $VSIX ($((SECONDS - t0)) s)"

RUN="$ROOT/run"
rm -rf "$RUN"; mkdir -p "$RUN"/{ud/User,exts}
CS_DIRS=(--user-data-dir "$RUN/ud" --extensions-dir "$RUN/exts")
"$CODE_SERVER" "${CS_DIRS[@]}" --install-extension "$VSIX" > "$RUN/install.log" 2>&1
"$CODE_SERVER" "${CS_DIRS[@]}" --list-extensions --show-versions 2>/dev/null | grep -q 'remedy-dev.remedy@0.1.0' \
  || { cat "$RUN/install.log"; echo "the .vsix did not install"; exit 1; }
# The first run's interpreter: this one without its site-packages, so without Remedy's dependencies.
BAD_PYTHON="$RUN/python-without-remedy"
printf '#!/bin/sh\nexec "%s" -S "$@"\n' "$PYTHON" > "$BAD_PYTHON"; chmod +x "$BAD_PYTHON"
# ... and one that passes the extension's check but whose server exits at once (start fails)
printf '#!/bin/sh\n[ "$1" = -c ] && exec "%s" "$@"\necho "this server exits at once" >&2; exit 3\n' "$PYTHON" \
  > "$RUN/python-server-exits"; chmod +x "$RUN/python-server-exits"
cat > "$RUN/ud/User/settings.json" <<JSON
{
  "remedy.python": "$BAD_PYTHON",
  "remedy.timeBudget": 120,
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "workbench.enableExperiments": false,
  "workbench.tips.enabled": false,
  "workbench.editor.enablePreview": false,
  "security.workspace.trust.enabled": false,
  "files.autoSave": "off",
  "chat.disableAIFeatures": true
}
JSON
for ws in first accept reject; do
  cp -r "$REPO/extension/e2e/fixture" "$RUN/ws-$ws"
  # its own repository, as a user's project would be: inside ours it would sit in an ignored folder
  git -C "$RUN/ws-$ws" init -q
done

PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "${CS_DIRS[@]}" > "$RUN/code-server.log" 2>&1 &
CS_PID=$!
trap 'kill "$CS_PID" 2>/dev/null || true' EXIT   # its entry and extension-host children go with it
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$CS_PID" 2>/dev/null || { cat "$RUN/code-server.log"; exit 1; }
  sleep 0.2
done
log "code-server listening on $PORT ($((SECONDS - t0)) s)"

SHOTS="$ROOT/shots"; rm -rf "$SHOTS"; mkdir -p "$SHOTS"
status=0
CHROMIUM="$CHROMIUM" node "$REPO/extension/e2e/drive.js" "http://127.0.0.1:$PORT" "$RUN/ws-first" "$RUN/ws-accept" \
  "$RUN/ws-reject" "$REPO/extension/e2e/fixture" "$SHOTS" "$PYTHON" 2>&1 | tee "$RUN/drive.log" || status=$?
if [ "$status" != 0 ]; then
  echo "---- code-server log (tail)"; tail -15 "$RUN/code-server.log"
  echo "---- Remedy output channel (tail)"
  find "$RUN/ud/logs" -name 'Remedy.log' -exec tail -40 {} \; 2>/dev/null || true
  echo "---- drive (tail)"; tail -15 "$RUN/drive.log"
fi
kill "$CS_PID" 2>/dev/null || true; wait "$CS_PID" 2>/dev/null || true; trap - EXIT
log "screenshots: $SHOTS"; ls -1 "$SHOTS"
if [ "$status" = 0 ] && [ "${UPDATE_DOCS:-0}" = 1 ]; then
  cp "$SHOTS/first-run-toast.png" "$SHOTS/diff-editor-review.png" "$SHOTS/inline-review.png" "$REPO/docs/"
  log "copied the first-run, diff-editor and inline-review screenshots into docs/"
fi
log "e2e took $((SECONDS - t0)) s"
[ "$status" = 0 ] && echo "E2E OK"
exit "$status"
