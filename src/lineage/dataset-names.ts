/**
 * Consistent OpenLineage dataset names for CRM sources and Verity's zones. OpenLineage's Naming.md
 * defines databases (`postgres://{host}:{port}` + `{database}.{schema}.{table}`) and files; it does
 * not define CRMs, so Verity uses the scheme of the CRM and its tenant-level authority (see
 * docs/provenance.md, "Dataset naming").
 */
import { resolve } from 'node:path';
import type { LineageDataset } from './lineage-emitter.js';

/** A HubSpot object type in one portal: `hubspot://portal-<id>` / `contacts`. */
export function hubspotDataset(portalId: string | number, objectType: string): LineageDataset {
  return { namespace: `hubspot://portal-${portalId}`, name: objectType };
}

/** A Salesforce sObject in one org: `salesforce://<instance host>` / `Account`. */
export function salesforceDataset(instance: string, sObject: string): LineageDataset {
  return { namespace: `salesforce://${instance.replace(/^https?:\/\//, '').replace(/\/+$/, '')}`, name: sObject };
}

/** A table captured by Debezium from PostgreSQL: `postgres://host:port` / `db.schema.table` (OpenLineage's own naming). */
export function postgresDataset(host: string, port: number, database: string, schema: string, table: string): LineageDataset {
  return { namespace: `postgres://${host}:${port}`, name: `${database}.${schema}.${table}` };
}

/** A local file (bulk import): namespace `file`, name the absolute path. */
export function fileDataset(path: string): LineageDataset {
  return { namespace: 'file', name: resolve(path) };
}

/** A zone of Verity's lake: `verity://<absolute lake dir>` / `<zone>.<tenant>.<entity>` (e.g. `raw.t01.contact`). */
export function zoneDataset(lakeDir: string, zone: 'raw' | 'quarantine' | 'staging', tenant: string, entity: string): LineageDataset {
  return { namespace: lakeNamespace(lakeDir), name: `${zone}.${tenant}.${entity}` };
}

/** A feature view: `verity://<lake dir>` / `features.<view>`. */
export function featureViewDataset(lakeDir: string, view: string): LineageDataset {
  return { namespace: lakeNamespace(lakeDir), name: `features.${view}` };
}

/** A training snapshot: `verity://<lake dir>` / `snapshots.<name>`. */
export function snapshotDataset(lakeDir: string, name: string): LineageDataset {
  return { namespace: lakeNamespace(lakeDir), name: `snapshots.${name}` };
}

/** The namespace of a lake directory. */
export function lakeNamespace(lakeDir: string): string {
  return `verity://${resolve(lakeDir)}`;
}

/** The zone dataset a lake file belongs to, from its partition path (`raw/tenant=t01/entity=lead/...` → `raw.t01.lead`). */
export function zoneNameOfPath(path: string): string | undefined {
  const m = /(?:^|\/)(raw|quarantine|staging)\/tenant=([^/]+)\/entity=([^/]+)\//.exec(path);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/**
 * The dataset an ingested event came from, named from its envelope `source` (what Verity knows at
 * ingest): namespace `<system>://<connector>` and name the entity, e.g. `hubspot://1160452` /
 * `contact`, `debezium://crm` / `lead`; bulk files are `file` / the file name.
 */
export function sourceDataset(source: { system: string; connector: string }, entity: string): LineageDataset {
  if (source.system === 'file') return { namespace: 'file', name: source.connector };
  return { namespace: `${source.system}://${encodeURIComponent(source.connector)}`, name: entity };
}
