/** Record ids in each source's own style: Salesforce 18-char ids, HubSpot numeric object ids, prefixed ids. */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

function base62(n: number, width: number): string {
  let s = '';
  let v = Math.floor(n);
  for (let i = 0; i < width; i++) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s;
}

/**
 * Appends Salesforce's 3-character case-safe checksum to a 15-character id: for each 5-char
 * chunk, bit i is set when char i is an upper-case letter; the 5-bit value indexes `A–Z0–5`.
 */
export function salesforceChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX[bits];
  }
  return id15 + suffix;
}

/**
 * An 18-char Salesforce record id: key prefix (`001` account, `006` opportunity, `005` user) +
 * pod `5f` + tenant (2) + `00` + 6 base62 digits of `n` + checksum. Unique per (prefix, tenant, n).
 */
export function salesforceId(prefix: string, tenantIndex: number, n: number): string {
  return salesforceChecksum(`${prefix}5f${base62(tenantIndex, 2)}00${base62(n, 6)}`);
}

/** HubSpot numeric object id of the contact at `index`. */
export function hubspotObjectId(index: number): number {
  return 1_000_001 + index;
}

/** Verity `contact_id` for a HubSpot object id. */
export function contactId(objectId: number): string {
  return `con_${objectId}`;
}

/** The `lead_id` of the lead at `index`. */
export function leadId(index: number): string {
  return `lead_${String(index + 1).padStart(7, '0')}`;
}

/** The `activity_id` of the n-th activity of a tenant. */
export function activityId(n: number): string {
  return `act_${n.toString(36).padStart(9, '0')}`;
}

/** The tenant id for a 0-based index: `t01`, `t02`, … */
export function tenantId(index: number): string {
  return `t${String(index + 1).padStart(2, '0')}`;
}
