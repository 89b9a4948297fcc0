import { Command, CommanderError, Option } from 'commander';
import { VerityError, toVerityError } from '../errors.js';
import { createCliContext, type CliContext, type GlobalOptions } from './context.js';
import { COMMANDS } from './commands/index.js';
import { packageVersion } from '../util/package-root.js';


/** Builds the `verity` program with every command registered; `getContext` is valid once parsing starts. */
export function buildProgram(getContext: () => CliContext): Command {
  const program = new Command('verity')
    .description('Verity: trustworthy CRM data for AI — contracts, ingest, event lake, features, snapshots, audit.')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('--json', 'print machine-readable JSON'))
    .addOption(new Option('--verbose', 'print stack traces and debug detail on errors'))
    .addOption(new Option('-c, --config <file>', 'project config file (default: verity.config.yaml found at or above the cwd)'))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  for (const register of COMMANDS) register(program, getContext);
  return program;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 *
 * Errors become one-line messages and exit codes mapped from their {@link VerityError} code; stack
 * traces only with `--verbose`.
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let ctx: CliContext | undefined;
  const getContext = () => {
    if (!ctx) {
      const opts = program.opts<GlobalOptions>();
      ctx = createCliContext(opts, io);
    }
    return ctx;
  };
  const program = buildProgram(getContext);
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    outputError: () => {},
  });
  const verbose = argv.includes('--verbose');
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      const message = error.message.replace(/^error: /, '');
      io.stderr.write(`verity: ${message}\n(run \`verity --help\` for usage)\n`);
      return 2;
    }
    const err = toVerityError(error);
    if (json) io.stdout.write(JSON.stringify(err.toJSON(), null, 2) + '\n');
    io.stderr.write(`verity: ${err.message}\n`);
    if (verbose) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    else if (err.code === 'INTERNAL') io.stderr.write('(this looks like a bug; run again with --verbose for the stack trace)\n');
    return err.exitCode;
  }
}

export { VerityError };

/** Where the CLI writes. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
