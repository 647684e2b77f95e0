// Runs the CLI from sources in a child process (tests spawn this to kill it, or as a worker).
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(70),
);
