import type { FeatureView } from './feature-view.js';
import type { OnlineFeatureRow, OnlineFeatureValue } from './online-features.js';

const prefixes = new WeakMap<FeatureView, Map<string, string>>();

/** A JSON value as `JSON.stringify` writes it inside an object. */
function jsonValue(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return JSON.stringify(v) ?? 'null';
  }
}

/** `,"status":…,"event_time":…,"age_ms":…}` of a value; consecutive features mostly share it (one version per row). */
function tailJson(fv: OnlineFeatureValue): string {
  // `event_time` is an ISO string (nothing JSON escapes) or null; `status` is one of three words.
  const eventTime = fv.event_time === null ? 'null' : '"' + fv.event_time + '"';
  const age = fv.age_ms === null ? 'null' : jsonValue(fv.age_ms);
  return ',"status":"' + fv.status + '","event_time":' + eventTime + ',"age_ms":' + age + '}';
}

/**
 * The body of `POST /v1/features/online`: byte for byte what `JSON.stringify` gives for
 * `{ view, view_version, tenant, rows: [{ entity, features }] }`, written directly with each
 * feature's `"name":{"value":` prefix computed once per view.
 */
export function onlineResponseJson(view: FeatureView, tenant: string, rows: readonly OnlineFeatureRow[]): string {
  let names = prefixes.get(view);
  if (!names) prefixes.set(view, (names = new Map()));
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let s = '{"entity":' + JSON.stringify(row.entity) + ',"features":{';
    let first = true;
    let last: OnlineFeatureValue | undefined;
    let tail = '';
    for (const name in row.features) {
      const fv = row.features[name]!;
      let prefix = names.get(name);
      if (prefix === undefined) names.set(name, (prefix = JSON.stringify(name) + ':{"value":'));
      if (!last || fv.status !== last.status || fv.event_time !== last.event_time || fv.age_ms !== last.age_ms) tail = tailJson(fv);
      last = fv;
      s += (first ? '' : ',') + prefix + jsonValue(fv.value) + tail;
      first = false;
    }
    parts[i] = s + '}}';
  }
  return '{"view":' + JSON.stringify(view.name) + ',"view_version":' + JSON.stringify(view.version) + ',"tenant":' + JSON.stringify(tenant) + ',"rows":[' + parts.join(',') + ']}';
}
