import { SingleBar, Presets } from 'cli-progress';
import { loadConfig, type LoadedConfig } from '../config/config.js';

/** Global options every command sees. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
  config?: string;
  cwd?: string;
}

/** What a command needs from the shell: output, progress and the project's configuration. */
export interface CliContext {
  /** Global options as parsed. */
  readonly options: GlobalOptions;
  /** Loads the project configuration (lazily; commands that need no project never touch it). */
  config(): LoadedConfig;
  /** Prints a result: JSON when `--json`, else the human rendering. */
  print(result: unknown, human: (result: any) => string): void;
  /** Prints a line to stderr (never in JSON mode's stdout). */
  info(line: string): void;
  /** A progress bar on stderr when it is a TTY and output is not JSON; a no-op otherwise. */
  progress(total: number, label: string): Progress;
}

/** A progress bar handle. */
export interface Progress {
  increment(n?: number): void;
  update(value: number): void;
  setTotal(total: number): void;
  stop(): void;
}

const noProgress: Progress = { increment() {}, update() {}, setTotal() {}, stop() {} };

/** Builds the context from the global options. */
export function createCliContext(options: GlobalOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream | NodeJS.WritableStream }): CliContext {
  let loaded: LoadedConfig | undefined;
  return {
    options,
    config() {
      loaded ??= loadConfig({ ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.config ? { file: options.config } : {}) });
      return loaded;
    },
    print(result, human) {
      if (options.json) io.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        const text = human(result);
        if (text) io.stdout.write(text.endsWith('\n') ? text : text + '\n');
      }
    },
    info(line) {
      if (!options.json) io.stderr.write(line + '\n');
    },
    progress(total, label) {
      const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
      if (!tty || options.json || process.env.CI) return noProgress;
      const bar = new SingleBar(
        { format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`, stream: io.stderr, hideCursor: true, clearOnComplete: true },
        Presets.shades_classic,
      );
      bar.start(total, 0);
      return {
        increment: (n = 1) => bar.increment(n),
        update: (v) => bar.update(v),
        setTotal: (t) => bar.setTotal(t),
        stop: () => bar.stop(),
      };
    },
  };
}
