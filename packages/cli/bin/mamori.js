#!/usr/bin/env -S node --max-semi-space-size=32 --heap-growing-percent=100
// Entry point of the installed `mamori` command: runs the compiled CLI (npm run build). The young-generation
// size and old-generation growth are the ones scripts/start.sh gives the server (docs/configuration.md).
import { main } from '../dist/main.js';

process.exit(await main(process.argv.slice(2)));
