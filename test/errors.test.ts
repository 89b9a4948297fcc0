import { describe, expect, it } from 'vitest';
import { ERROR_CODES, VerityError, toVerityError } from '../src/errors.js';

describe('VerityError', () => {
  it('maps every code to an HTTP status and an exit code', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const e = new VerityError(code, 'x');
      expect(e.httpStatus).toBeGreaterThanOrEqual(400);
      expect(e.exitCode).toBeGreaterThan(0);
    }
  });

  it('turns a missing file into NOT_FOUND and a permission error into IO_ERROR', () => {
    const enoent = Object.assign(new Error('nope'), { code: 'ENOENT', path: '/x' });
    expect(toVerityError(enoent).code).toBe('NOT_FOUND');
    const eacces = Object.assign(new Error('nope'), { code: 'EACCES', path: '/x' });
    expect(toVerityError(eacces).code).toBe('IO_ERROR');
  });

  it('serialises to a stable JSON error body', () => {
    expect(new VerityError('PAYLOAD_TOO_LARGE', 'too big', { details: { limit: 1 } }).toJSON()).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'too big', details: { limit: 1 } },
    });
  });
});
