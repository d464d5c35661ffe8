#!/usr/bin/env bash
# Quick start (1), run by `npm start`: build when sources changed, migrate, seed the demo (idempotent), then serve
# on the embedded default (SQLite under ./var, in-process queue). Configuration: MAMORI_* variables or
# MAMORI_CONFIG=<file> (docs/configuration.md).
set -euo pipefail
cd "$(dirname "$0")/.."

export MAMORI_DATA_DIR="${MAMORI_DATA_DIR:-./var}"
mkdir -p "$MAMORI_DATA_DIR"
stamp="$MAMORI_DATA_DIR/.build-stamp"

needs_build() {
  [ -f packages/cli/dist/main.js ] || return 0
  [ -f packages/console/dist/index.html ] || return 0
  [ -f "$stamp" ] || return 0
  # Any source newer than the last successful build.
  [ -n "$(find packages -path '*/node_modules' -prune -o -path '*/dist' -prune -o -type f \
    \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.html' -o -name '*.json' -o -name '*.csv' \) \
    -newer "$stamp" -print -quit)" ]
}

# A 32 MiB young-generation semi-space (V8's default is 16): the SOC pipeline's batches live ~100 ms, and with
# the default most of them survived into the old generation. The old generation grows to twice its live size
# before a full collection (V8 lets it reach ~3x, which took the RSS near 1 GiB under sustained ingest).
# docs/configuration.md, "Node.js flags".
node_flags=(--max-semi-space-size=32 --heap-growing-percent=100)
mamori=(node "${node_flags[@]}" packages/cli/dist/main.js)
if needs_build; then
  echo "mamori: building (npm run build)…"
  if npm run build --silent; then
    touch "$stamp"
  else
    # A broken build elsewhere in the tree must not keep the platform from starting: run the TypeScript sources.
    echo "mamori: WARNING: the build failed; starting from the TypeScript sources instead (slower start)" >&2
    mamori=(node "${node_flags[@]}" --import tsx --conditions=development packages/cli/src/main.ts)
  fi
fi

"${mamori[@]}" migrate
echo
"${mamori[@]}" demo
cat <<MSG

──────────────────────────────────────────────────────────────────────────────
 初回サインイン / First sign-in
   ユーザー名 admin と初期パスワード（初回起動時に表示。${MAMORI_DATA_DIR}/demo-credentials.txt に保存）でサインインしてください。
   Sign in as "admin" with its initial password (printed at the first start; kept in ${MAMORI_DATA_DIR}/demo-credentials.txt).
   最初に認証アプリ（TOTP）を登録し、リカバリーコードを保管します。
   You first enrol an authenticator app (TOTP) and keep the recovery codes.
   パスワードを紛失した場合 / Lost the passwords:  node packages/cli/dist/main.js demo --reset-passwords
 停止 / Stop: Ctrl+C
──────────────────────────────────────────────────────────────────────────────
MSG
exec "${mamori[@]}" serve
