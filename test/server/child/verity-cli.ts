// Runs the Verity CLI from source in a child process (reliability tests spawn and SIGKILL it).
import { runCli } from '../../../src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
