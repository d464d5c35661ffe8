#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the installed `mamori` command: runs the compiled CLI (npm run build). The young-generation
// size is the one scripts/start.sh gives the server (the SOC pipeline's batches die young with it).
import { main } from '../dist/main.js';

process.exit(await main(process.argv.slice(2)));
