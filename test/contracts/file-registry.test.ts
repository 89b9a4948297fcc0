import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileRegistry } from '../../src/contracts/registry/file-registry.js';
import { readContractText } from '../../src/contracts/read-contract.js';
import { registryConformance } from '../conformance/registry.js';
import { minimalContract } from './helpers.js';

describe('file registry', () => {
  registryConformance(async (options) => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-registry-'));
    return { registry: createFileRegistry({ dir, ...options }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  });

  it('detects a stored version altered on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-registry-'));
    try {
      const registry = createFileRegistry({ dir });
      await registry.publish(readContractText(minimalContract()));
      const file = join(dir, 'widget', readdirSync(join(dir, 'widget'))[0]!);
      writeFileSync(file, readFileSync(file, 'utf8').replace('"maximum": 10', '"maximum": 99'));
      await expect(registry.get('widget')).rejects.toMatchObject({ code: 'INTEGRITY_FAILED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an entity name that would escape the registry directory', async () => {
    const registry = createFileRegistry({ dir: tmpdir() });
    await expect(registry.versions('../etc')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
