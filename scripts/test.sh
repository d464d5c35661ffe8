#!/usr/bin/env bash
# The whole test suite: environment, lint and format, type check and build, then every test
# (engine tests once; database tests on SQLite and on PostgreSQL). Quick start command (2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-env.sh
npm run lint
npm run build
node scripts/run-tests.mjs "$@"
