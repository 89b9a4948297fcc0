import type { Command } from 'commander';
import { initProject, type InitProjectResult } from '../../project/init.js';
import type { CliContext } from '../context.js';

/** `verity init [dir]`: scaffold a project. */
export function registerInit(program: Command, context: () => CliContext): void {
  program
    .command('init')
    .description('scaffold a Verity project: config, ODCS contracts for the CRM entities, an example feature view')
    .argument('[dir]', 'directory to create the project in', '.')
    .option('--force', 'overwrite files that already exist')
    .action((dir: string, opts: { force?: boolean }) => {
      const result = initProject(dir, { force: opts.force === true });
      context().print(result, (r: InitProjectResult) =>
        [
          `Initialised a Verity project in ${r.dir}`,
          ...r.created.map((f) => `  created ${f}`),
          ...r.kept.map((f) => `  kept    ${f} (exists; --force overwrites)`),
        ].join('\n'),
      );
    });
}
