import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VerityError } from '../errors.js';
import { isFeatureView, type FeatureView } from './feature-view.js';

let hookRegistered = false;

/**
 * Makes `import … from 'verity'` inside a project's feature files resolve to THIS running Verity
 * (a Node module resolve hook), so a project made by `verity init` needs no `npm install verity`
 * and the definitions share the CLI's module instance. A project that does install verity gets the
 * same mapping.
 */
export function registerVerityResolveHook(): void {
  if (hookRegistered) return;
  hookRegistered = true;
  const here = fileURLToPath(import.meta.url);
  // From dist/ this is dist/src/index.js; from source (tests, tsx) src/index.ts.
  const target = pathToFileURL(resolve(here, '..', '..', here.endsWith('.ts') ? 'index.ts' : 'index.js')).href;
  const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'verity') return { url: ${JSON.stringify(target)}, shortCircuit: true };
  return next(specifier, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

/**
 * Loads every feature view a project defines in `dir` (`*.ts`, `*.mts`, `*.js`, `*.mjs`; files
 * starting with `_` or ending in `.test.*`/`.d.ts` are skipped). Each file exports views as its
 * default export and/or named exports (arrays allowed).
 *
 * Files are loaded with tsx's ESM API (`tsImport`); without tsx installed, `.js`/`.mjs` files load
 * with plain `import()` and `.ts` files are refused with a message saying so.
 * @throws VerityError NOT_FOUND when the directory is missing; INVALID_ARGUMENT on a duplicate view
 *   name or a file that fails to load (the message names the file).
 */
export async function loadFeatureViews(dir: string): Promise<FeatureView[]> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new VerityError('NOT_FOUND', `Feature directory ${root} does not exist. Create it or set features.dir in verity.config.yaml.`);
  registerVerityResolveHook();
  const files = readdirSync(root)
    .filter((f) => ['.ts', '.mts', '.js', '.mjs'].includes(extname(f)) && !f.startsWith('_') && !f.endsWith('.d.ts') && !/\.test\.[cm]?[jt]s$/.test(f))
    .sort();
  const views: FeatureView[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const file = join(root, f);
    let mod: Record<string, unknown>;
    try {
      // tsx loads both TypeScript and JavaScript (and keeps its own module graph, which test
      // runners do not rewrite); without tsx, JavaScript falls back to plain import().
      const tsImport = await loadTsImport();
      if (tsImport) mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
      else if (f.endsWith('.ts') || f.endsWith('.mts'))
        throw new VerityError('INVALID_ARGUMENT', `Loading TypeScript feature views needs the "tsx" package; install it (npm install tsx) or write ${f} as .mjs.`);
      else mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof VerityError) throw error;
      const hint = /Cannot find module 'verity'/.test((error as Error).message)
        ? ' Feature files must load as ES modules: keep a package.json with {"type": "module"} in the features directory (verity init writes one) or name them .mts/.mjs.'
        : '';
      throw new VerityError('INVALID_ARGUMENT', `Feature file ${file} failed to load: ${(error as Error).message.split('\n')[0]}${hint}`, { cause: error });
    }
    const exported = Object.keys(mod)
      .sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : 1))
      .flatMap((k) => (Array.isArray(mod[k]) ? (mod[k] as unknown[]) : [mod[k]]));
    for (const v of exported) {
      if (!isFeatureView(v)) continue;
      if (views.includes(v)) continue;
      const other = seen.get(v.name);
      if (other) throw new VerityError('INVALID_ARGUMENT', `Feature view "${v.name}" is defined twice (${other} and ${file}); names must be unique.`);
      seen.set(v.name, file);
      views.push(v);
    }
  }
  return views;
}

async function loadTsImport(): Promise<((specifier: string, parent: string) => Promise<unknown>) | undefined> {
  try {
    return (await import('tsx/esm/api')).tsImport;
  } catch {
    return undefined;
  }
}

/** Picks views by name (all when `names` is empty). */
export function selectViews(all: readonly FeatureView[], names: readonly string[] | undefined): FeatureView[] {
  if (!names || names.length === 0) return [...all];
  return names.map((n) => {
    const v = all.find((x) => x.name === n);
    if (!v) throw new VerityError('NOT_FOUND', `Feature view "${n}" not found; defined: ${all.map((x) => x.name).join(', ') || '(none)'}.`);
    return v;
  });
}
