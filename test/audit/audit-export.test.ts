import { describe, expect, it } from 'vitest';
import { escapeCefHeader, escapeCefValue, toCef, toNdjson } from '../../src/audit/audit-export.js';

describe('audit export', () => {
  it('escapes CEF header fields (backslash, pipe) and extension values (backslash, equals, line breaks)', () => {
    expect(escapeCefHeader('a|b\\c')).toBe('a\\|b\\\\c');
    expect(escapeCefValue('x=1\\2\r\n|')).toBe('x\\=1\\\\2\\r\\n|');
  });

  it('renders an entry as one CEF line and as canonical NDJSON', () => {
    const entry = { index: 7, type: 'action.override|manual', actor: 'ana=admin', tenant_id: 't01', time: '2026-03-01T12:00:00.000Z', data: { b: 'line1\nline2', a: 1 }, leaf_hash: 'ab'.repeat(32) };
    const cef = toCef(entry, '1.2.3');
    expect(cef).toBe(
      `CEF:0|Verity|Verity|1.2.3|action.override\\|manual|action.override\\|manual|7|rt=${Date.parse(entry.time)} externalId=7 suser=ana\\=admin cs1Label=tenant cs1=t01 cs2Label=leafHash cs2=${'ab'.repeat(32)} msg={"a":1,"b":"line1\\\\nline2"}`,
    );
    expect(cef).not.toContain('\n');
    expect(toNdjson(entry)).toBe(`{"actor":"ana=admin","data":{"a":1,"b":"line1\\nline2"},"index":7,"leaf_hash":"${'ab'.repeat(32)}","tenant_id":"t01","time":"2026-03-01T12:00:00.000Z","type":"action.override|manual"}`);
  });
});
