import { VerityError } from '../errors.js';

/** What a tenant id may look like (same rule as the project config's `tenant`). */
export const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Picks the tenant of a request: `?tenant=` or the `X-Verity-Tenant` header, else the default.
 * @throws VerityError INVALID_ARGUMENT when the value is malformed, repeated, or the two disagree.
 */
export function resolveTenant(query: unknown, header: string | string[] | undefined, tenantDefault: string): string {
  const fromQuery = (query as Record<string, unknown> | undefined)?.tenant;
  if (Array.isArray(fromQuery) || Array.isArray(header)) {
    throw new VerityError('INVALID_ARGUMENT', 'The tenant is given more than once; pass one ?tenant= or one X-Verity-Tenant header.');
  }
  if (fromQuery !== undefined && typeof fromQuery !== 'string') throw new VerityError('INVALID_ARGUMENT', 'The ?tenant= parameter must be a string.');
  if (fromQuery !== undefined && header !== undefined && fromQuery !== header) {
    throw new VerityError('INVALID_ARGUMENT', `The ?tenant= parameter ("${fromQuery}") and the X-Verity-Tenant header ("${header}") disagree; send one.`);
  }
  const tenant = fromQuery ?? header ?? tenantDefault;
  if (!TENANT_PATTERN.test(tenant)) {
    throw new VerityError('INVALID_ARGUMENT', `Tenant "${tenant.slice(0, 80)}" is not valid: use 1–64 letters, digits, "_", "." or "-".`);
  }
  return tenant;
}
