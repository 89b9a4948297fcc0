import type { LoadedConfig } from '../config/config.js';
import { projectPath } from '../config/config.js';
import { createOpenLineageEmitter, type OpenLineageEmitter } from './openlineage-emitter.js';

/** The project's lineage emitter as configured (`lineage.file`, optional `lineage.url`, `lineage.namespace`). */
export function projectLineageEmitter(loaded: LoadedConfig, options: { clock?: () => Date; log?: (m: string) => void } = {}): OpenLineageEmitter {
  const l = loaded.config.lineage;
  return createOpenLineageEmitter({
    file: projectPath(loaded, l.file),
    namespace: l.namespace,
    ...(l.url ? { url: l.url } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}
