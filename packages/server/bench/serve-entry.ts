// Fallback entry for the benchmark when the CLI's `serve` is not available: what `mamori serve` does,
// minus the CLI (load config from the environment, open the platform, listen, print the URL).
import { loadConfig } from '@mamori/core';
import { createPlatform } from '@mamori/platform';
import { startServer } from '../src/index.js';

const platform = await createPlatform(loadConfig());
const server = await startServer(platform);
process.stdout.write(`${server.url}\n`);
const stop = async () => {
  await server.close();
  await platform.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
