#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm ci / npm run build produce dist/).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`advlic: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(70);
  },
);
