#!/usr/bin/env node
// Entry point of the installed `mamori` command: runs the compiled CLI (npm run build).
import { main } from '../dist/main.js';

process.exit(await main(process.argv.slice(2)));
