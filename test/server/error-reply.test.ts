import { describe, expect, it } from 'vitest';
import { VerityError } from '../../src/errors.js';
import { toErrorReply } from '../../src/server/error-reply.js';
import { resolveTenant } from '../../src/server/tenant.js';

describe('toErrorReply', () => {
  it('maps every VerityError code to the status of ERROR_CODES', () => {
    expect(toErrorReply(new VerityError('SIGNATURE_INVALID', 'bad')).status).toBe(401);
    expect(toErrorReply(new VerityError('UNPROCESSABLE', 'no')).status).toBe(422);
    expect(toErrorReply(new VerityError('BACKEND_UNAVAILABLE', 'nats down')).status).toBe(503);
    expect(toErrorReply(new VerityError('MALFORMED_INPUT', 'x', { details: [1] })).body).toEqual({ error: { code: 'MALFORMED_INPUT', message: 'x', details: [1] } });
  });

  it("maps Fastify's own parsing errors to stable codes", () => {
    const fst = (code: string, statusCode: number) => Object.assign(new Error('fastify says'), { code, statusCode });
    expect(toErrorReply(fst('FST_ERR_CTP_BODY_TOO_LARGE', 413)).body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(toErrorReply(fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).status).toBe(415);
    expect(toErrorReply(fst('FST_ERR_SOMETHING_NEW', 400)).body.error.code).toBe('MALFORMED_INPUT');
  });

  it('hides the message of an unexpected error behind INTERNAL with the request id', () => {
    const r = toErrorReply(new TypeError('cannot read x of undefined at /srv/secret.ts'), 'req-7');
    expect(r).toMatchObject({ status: 500, isServerFault: true });
    expect(r.body.error.message).toBe('Internal error (request req-7); see the server log.');
  });
});

describe('resolveTenant', () => {
  it('prefers the query, then the header, then the default', () => {
    expect(resolveTenant({ tenant: 't02' }, undefined, 't01')).toBe('t02');
    expect(resolveTenant({}, 't03', 't01')).toBe('t03');
    expect(resolveTenant(undefined, undefined, 't01')).toBe('t01');
  });

  it('rejects repeated, conflicting or malformed tenants', () => {
    expect(() => resolveTenant({ tenant: ['a', 'b'] }, undefined, 't01')).toThrow(/more than once/);
    expect(() => resolveTenant({ tenant: 'a' }, 'b', 't01')).toThrow(/disagree/);
    expect(() => resolveTenant({ tenant: 'a/b' }, undefined, 't01')).toThrow(/not valid/);
    expect(() => resolveTenant({ tenant: 'x'.repeat(65) }, undefined, 't01')).toThrow(/not valid/);
  });
});
