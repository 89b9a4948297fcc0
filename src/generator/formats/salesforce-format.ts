import type { Envelope } from '../../envelope.js';
import { fastEventId } from '../event-ids.js';
import { groundTruth } from '../defects.js';
import { GeneratedRecordLine, type DeliveryUnit, type EntityChange } from '../change.js';
import type { Prng } from '../prng.js';
import { isoTime } from '../time.js';
import { encodeSalesforceBitmap } from './salesforce-bitmap.js';

/** AccountChangeEvent top-level fields in Avro schema order (the docs org's order, see the fixtures). */
export const ACCOUNT_CHANGE_EVENT_FIELDS = [
  'ChangeEventHeader', 'Name', 'Type', 'ParentId', 'BillingAddress', 'ShippingAddress', 'Phone', 'Fax', 'AccountNumber', 'Website', 'Sic',
  'Industry', 'AnnualRevenue', 'NumberOfEmployees', 'Ownership', 'TickerSymbol', 'Description', 'Rating', 'Site', 'OwnerId', 'CreatedDate',
  'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'Jigsaw', 'JigsawCompanyId', 'CleanStatus', 'AccountSource', 'DunsNumber',
  'Tradestyle', 'NaicsCode', 'NaicsDesc', 'YearStarted', 'SicDesc', 'DandbCompanyId', 'OperatingHoursId', 'CustomerPriority__c', 'SLA__c',
  'Active__c', 'NumberofLocations__c', 'UpsellOpportunity__c', 'SLASerialNumber__c', 'SLAExpirationDate__c',
] as const;

/** OpportunityChangeEvent top-level fields in Avro schema order. */
export const OPPORTUNITY_CHANGE_EVENT_FIELDS = [
  'ChangeEventHeader', 'AccountId', 'IsPrivate', 'Name', 'Description', 'StageName', 'Amount', 'Probability', 'ExpectedRevenue',
  'TotalOpportunityQuantity', 'CloseDate', 'Type', 'NextStep', 'LeadSource', 'IsClosed', 'IsWon', 'ForecastCategory',
  'ForecastCategoryName', 'CurrencyIsoCode', 'CampaignId', 'HasOpportunityLineItem', 'Pricebook2Id', 'OwnerId', 'CreatedDate',
  'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'LastStageChangeDate', 'FiscalQuarter', 'FiscalYear', 'Fiscal',
] as const;

/** Nested fields of the `BillingAddress` compound field. */
export const ADDRESS_FIELDS = ['Street', 'City', 'State', 'PostalCode', 'Country', 'Latitude', 'Longitude', 'GeocodeAccuracy'] as const;

/** Canonical field → Salesforce field per entity (`country` is `BillingAddress.Country`). */
export const SALESFORCE_FIELD_MAP: Record<'account' | 'opportunity', Record<string, string>> = {
  account: {
    name: 'Name', domain: 'Website', industry: 'Industry', employee_count: 'NumberOfEmployees', annual_revenue: 'AnnualRevenue',
    country: 'BillingAddress.Country', owner_id: 'OwnerId', created_at: 'CreatedDate', updated_at: 'LastModifiedDate',
  },
  opportunity: {
    account_id: 'AccountId', name: 'Name', stage: 'StageName', amount: 'Amount', currency: 'CurrencyIsoCode', close_date: 'CloseDate',
    probability: 'Probability', owner_id: 'OwnerId', created_at: 'CreatedDate', updated_at: 'LastModifiedDate',
  },
};

const ENTITY_NAME = { account: 'Account', opportunity: 'Opportunity' } as const;
const CHANGE_ORIGIN = 'com/salesforce/api/soap/61.0;client=SfdcInternalAPI/';

function sfValue(field: string, value: unknown): unknown {
  if ((field === 'created_at' || field === 'updated_at') && typeof value === 'string') return Date.parse(value);
  return value;
}

/** Renders account and opportunity changes as Salesforce CDC events (decoded Pub/Sub JSON). */
export class SalesforceFormat {
  private replayId: number;
  private commitNumber: number;

  constructor(
    private readonly tenant_id: string,
    private readonly prng: Prng,
  ) {
    this.replayId = 10_000 + prng.int(90_000);
    this.commitNumber = 1_100_583_170_994 + prng.int(1_000_000);
  }

  private transactionKey(): string {
    const h = (n: number) => this.prng.int(16 ** n).toString(16).padStart(n, '0');
    return `0000${h(4)}-${h(4)}-${h(4)}-${h(4)}-${h(4)}${h(4)}${h(4)}`;
  }

  private header(entity: 'account' | 'opportunity', recordId: string, changeType: string, time: number, user: unknown): Record<string, unknown> {
    this.commitNumber += 1 + this.prng.int(5000);
    return {
      entityName: ENTITY_NAME[entity],
      recordIds: [recordId],
      changeType,
      changeOrigin: CHANGE_ORIGIN,
      transactionKey: this.transactionKey(),
      sequenceNumber: 1,
      commitTimestamp: time,
      commitNumber: this.commitNumber,
      commitUser: typeof user === 'string' ? user : '005000000000000AAA',
      nulledFields: [] as string[],
      diffFields: [] as string[],
      changedFields: [] as string[],
    };
  }

  private body(entity: 'account' | 'opportunity', header: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
    const fields = entity === 'account' ? ACCOUNT_CHANGE_EVENT_FIELDS : OPPORTUNITY_CHANGE_EVENT_FIELDS;
    const event: Record<string, unknown> = { ChangeEventHeader: header };
    for (let i = 1; i < fields.length; i++) {
      const f = fields[i] as string;
      event[f] = values[f] ?? null;
    }
    this.replayId += 1;
    // Not an Avro field: the Pub/Sub replay id of the event, appended last so bitmap indices are unaffected.
    event.replayId = this.replayId;
    return event;
  }

  /** The event id the Salesforce adapter derives for one record of an event. */
  static eventIdOf(event: Record<string, unknown>, recordId: string): string {
    const h = event.ChangeEventHeader as Record<string, unknown>;
    return fastEventId('salesforce', [h.entityName as string, h.transactionKey as string, h.sequenceNumber as number, recordId]);
  }

  /** A GAP_* event: the change happened but its content is not delivered (a re-sync signal). */
  gapEvent(entity: 'account' | 'opportunity', recordId: string, changeType: string, time: number): Record<string, unknown> {
    return this.body(entity, this.header(entity, recordId, changeType, time, undefined), {});
  }

  /** Renders one change as one CDC event and its envelope. */
  unitFor(change: EntityChange, extraDefaults: Record<string, unknown> = {}): DeliveryUnit {
    const entity = change.entity as 'account' | 'opportunity';
    const keyField = entity === 'account' ? 'account_id' : 'opportunity_id';
    const recordId = change.record[keyField] as string;
    const applied = change.overrides ? { ...change.record, ...change.overrides } : change.record;
    const map = SALESFORCE_FIELD_MAP[entity];
    const fields = entity === 'account' ? ACCOUNT_CHANGE_EVENT_FIELDS : OPPORTUNITY_CHANGE_EVENT_FIELDS;
    const changeType = change.op === 'create' ? 'CREATE' : change.op === 'delete' ? 'DELETE' : change.op === 'undelete' ? 'UNDELETE' : 'UPDATE';
    const header = this.header(entity, recordId, changeType, change.time, applied.owner_id);
    const values: Record<string, unknown> = {};
    const full = changeType === 'CREATE' || changeType === 'UNDELETE';
    const address = (extraDefaults.BillingAddress as Record<string, unknown> | undefined) ?? {};
    const setField = (canonical: string) => {
      const sf = map[canonical];
      if (!sf) return;
      const v = sfValue(canonical, applied[canonical]);
      if (sf === 'BillingAddress.Country') {
        values.BillingAddress = full ? { ...Object.fromEntries(ADDRESS_FIELDS.map((a) => [a, null])), ...address, Country: v } : { ...Object.fromEntries(ADDRESS_FIELDS.map((a) => [a, null])), Country: v };
      } else values[sf] = v;
    };
    if (full) {
      for (const canonical of Object.keys(map)) setField(canonical);
      Object.assign(values, extraDefaults, { BillingAddress: values.BillingAddress ?? null });
      if (entity === 'opportunity') delete values.BillingAddress;
      values.CreatedById = values.OwnerId;
      values.LastModifiedById = values.OwnerId;
    } else if (changeType === 'UPDATE') {
      for (const canonical of change.changed) setField(canonical);
      Object.assign(values, change.extra ?? {});
      values.LastModifiedById = applied.owner_id ?? null;
      const top: number[] = [];
      const nested = new Map<number, number[]>();
      const nulled: number[] = [];
      for (let i = 1; i < fields.length; i++) {
        const f = fields[i] as string;
        if (f === 'BillingAddress' && values.BillingAddress) nested.set(i, [ADDRESS_FIELDS.indexOf('Country')]);
        else if (values[f] !== undefined && values[f] !== null) top.push(i);
        if (change.nulledExtra?.includes(f)) {
          top.push(i);
          nulled.push(i);
        }
      }
      top.sort((a, b) => a - b);
      header.changedFields = encodeSalesforceBitmap(top, nested);
      header.nulledFields = encodeSalesforceBitmap(nulled);
    }
    const event = this.body(entity, header, values);
    const event_id = SalesforceFormat.eventIdOf(event, recordId);
    const key = { [keyField]: recordId };
    const envelope: Envelope = {
      event_id,
      tenant_id: this.tenant_id,
      entity,
      entity_key: key,
      op: changeType === 'DELETE' ? 'delete' : 'upsert',
      event_time: isoTime(change.time),
      source: { system: 'salesforce', connector: `/data/${ENTITY_NAME[entity]}ChangeEvent`, position: String(event.replayId) },
      payload: changeType === 'DELETE' ? key : full ? applied : { ...key, ...Object.fromEntries(change.changed.map((f) => [f, applied[f]])) },
      ...(changeType === 'UPDATE' ? { changed_fields: [...change.changed] } : {}),
    };
    const op = envelope.op;
    return {
      source: 'salesforce',
      entity,
      slot: change.slot,
      time: change.time,
      deliverAt: change.time,
      native: [event],
      envelopes: [envelope],
      records: [new GeneratedRecordLine(entity, applied, event_id, op)],
      defects: change.defect ? [groundTruth(this.tenant_id, entity, event_id, change.defect)] : [],
      reorderable: changeType === 'UPDATE',
    };
  }
}
