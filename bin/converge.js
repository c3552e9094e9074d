#!/usr/bin/env node
// Entry point of the `converge` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs
// through the `prepare` script).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
