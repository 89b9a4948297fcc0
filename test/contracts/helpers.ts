import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The starter contracts shipped with `verity init`. */
export const TEMPLATE_CONTRACTS = fileURLToPath(new URL('../../templates/project/contracts/', import.meta.url));

/** Path of a starter contract. */
export function templateContract(name: string): string {
  return join(TEMPLATE_CONTRACTS, name);
}

/** A small valid ODCS contract to edit in tests. */
export function minimalContract(overrides: { version?: string; extraProperties?: string; contentModel?: 'open' | 'closed'; team?: string; sla?: string } = {}): string {
  return `apiVersion: v3.1.0
kind: DataContract
id: test-widget
name: Widgets
version: ${overrides.version ?? '1.0.0'}
status: active
schema:
  - name: widget
    logicalType: object
    customProperties:
      - property: contentModel
        value: ${overrides.contentModel ?? 'open'}
    properties:
      - name: widget_id
        logicalType: string
        primaryKey: true
        required: true
      - name: size
        logicalType: integer
        logicalTypeOptions:
          minimum: 0
          maximum: 10
      - name: color
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [red, green, blue]
            mustBe: 0
${overrides.extraProperties ?? ''}${overrides.team ?? ''}${overrides.sla ?? ''}`;
}
