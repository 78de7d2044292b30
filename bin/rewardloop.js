#!/usr/bin/env node
// The CLI runs the compiled service; `npm ci` builds it (the `prepare` script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('rewardloop: the service is not built yet. Run `npm ci` (or `npm run build`) first.');
  process.exit(1);
}
await import(entry.href);
