/** Validates OpenLineage events against the official 2-0-2 schemas in the shared fixtures (Ajv 2020, every facet schema registered by $id). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { fixturePath } from '../helpers/fixtures.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export function createOpenLineageValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const spec = fixturePath('openlineage', 'spec');
  ajv.addSchema(JSON.parse(readFileSync(join(spec, 'OpenLineage.json'), 'utf8')));
  for (const f of readdirSync(join(spec, 'facets'))) ajv.addSchema(JSON.parse(readFileSync(join(spec, 'facets', f), 'utf8')));
  const runEvent = ajv.getSchema('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent')!;

  /** Errors of one event: the core schema, then every facet against the schema its `_schemaURL` names. */
  return function validate(event: any): string[] {
    const errors: string[] = [];
    if (!runEvent(event)) errors.push(...(runEvent.errors ?? []).map((e) => `event ${e.instancePath} ${e.message}`));
    const facetGroups: Array<[string, Record<string, any> | undefined]> = [
      ['run', event.run?.facets],
      ['job', event.job?.facets],
      ...(event.inputs ?? []).flatMap((d: any, i: number) => [[`inputs[${i}]`, d.facets], [`inputs[${i}].inputFacets`, d.inputFacets]]),
      ...(event.outputs ?? []).flatMap((d: any, i: number) => [[`outputs[${i}]`, d.facets], [`outputs[${i}].outputFacets`, d.outputFacets]]),
    ];
    for (const [where, facets] of facetGroups)
      for (const [key, facet] of Object.entries(facets ?? {})) {
        // Verity's own facets are custom facets: the core schema's BaseFacet rules apply to them (checked above).
        if (String(facet._schemaURL).startsWith('https://verity.dev/spec/facets/')) continue;
        const v = ajv.getSchema(facet._schemaURL);
        if (!v) {
          errors.push(`${where}.${key}: unknown _schemaURL ${facet._schemaURL}`);
          continue;
        }
        if (!v(facet)) errors.push(...(v.errors ?? []).map((e) => `${where}.${key}${e.instancePath} ${e.message}`));
      }
    return errors;
  };
}
