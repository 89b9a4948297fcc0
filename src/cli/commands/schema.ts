import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { compatSchemaFiles } from '../../contracts/contract-files.js';
import { parseCompatibilityMode, parseCompatibilityPolicy } from '../../contracts/compat/check-compatibility.js';

/** `verity schema compat`: compatibility of two plain JSON Schema files. */
export function registerSchema(program: Command, context: () => CliContext): void {
  program
    .command('schema')
    .description('JSON Schema tools')
    .command('compat')
    .description('check that <new> is compatible with <old> (exit 1 when not)')
    .argument('<old>', 'the old JSON Schema file')
    .argument('<new>', 'the new JSON Schema file')
    .option('--level <level>', 'BACKWARD, FORWARD, FULL or NONE', 'BACKWARD')
    .option('--policy <policy>', 'open content models: strict or lenient', 'strict')
    .action((oldFile: string, newFile: string, opts: { level: string; policy: string }) => {
      const r = compatSchemaFiles(oldFile, newFile, { level: parseCompatibilityMode(opts.level), policy: parseCompatibilityPolicy(opts.policy) });
      const result = { compatible: r.compatible, level: r.level, policy: r.policy, changes: r.changes.map((c) => `${c.type} ${c.path}`), breaking: r.breaking.map((c) => `${c.type} ${c.path}`) };
      context().print(result, () =>
        [`${r.compatible ? 'compatible' : 'NOT compatible'} (${r.level}, ${r.policy})`, ...r.changes.map((c) => `  ${r.breaking.includes(c) ? 'breaking' : 'ok      '} ${c.type} ${c.path} — ${c.message}`)].join('\n'),
      );
      if (!r.compatible) process.exitCode = 1;
    });
}
