/** The defect kinds the generator injects, their layers, and the ground-truth entry that names each one. */

/** Every defect kind with the validation layer that is expected to catch it. */
export const DEFECT_LAYERS = {
  malformed_email: 'record',
  missing_email: 'record',
  country_spelling: 'record',
  picklist_typo: 'record',
  free_text_stage: 'record',
  score_out_of_range: 'record',
  future_date: 'record',
  schema_type_change: 'record',
  illegal_transition: 'stateful',
  orphan_reference: 'reference',
  schema_new_field: 'schema',
  duplicate_delivery: 'delivery',
  out_of_order: 'delivery',
  late_event: 'delivery',
  merge: 'lifecycle',
  delete: 'lifecycle',
} as const;

/** A defect kind (ground truth `kind`). */
export type DefectKind = keyof typeof DEFECT_LAYERS;
/** A validation layer (ground truth `layer`). */
export type DefectLayer = (typeof DEFECT_LAYERS)[DefectKind];

/** Every defect kind, in a stable order. */
export const DEFECT_KINDS = Object.keys(DEFECT_LAYERS) as DefectKind[];

/**
 * Kinds that model a mid-stream regime change rather than random dirt: from the timeline's
 * midpoint on, each eligible event carries them with probability = rate (default 1 when
 * defects are on at all).
 */
export const REGIME_KINDS: readonly DefectKind[] = ['schema_type_change', 'schema_new_field'];

/** One line of `ground-truth.ndjson`: an injected defect and the exact event id the adapters compute. */
export interface GroundTruthEntry {
  tenant_id: string;
  entity: string;
  event_id: string;
  kind: DefectKind;
  layer: DefectLayer;
  /** The canonical field concerned, when there is one. */
  field?: string;
  /** Specifics: the bad value, the transition, the delivery delay… */
  detail: Record<string, unknown>;
}

/** A defect chosen for a change, before its event id is known. */
export interface InjectedDefect {
  kind: DefectKind;
  field?: string;
  detail: Record<string, unknown>;
}

/** Builds a ground-truth entry. */
export function groundTruth(tenant_id: string, entity: string, event_id: string, defect: InjectedDefect): GroundTruthEntry {
  return {
    tenant_id,
    entity,
    event_id,
    kind: defect.kind,
    layer: DEFECT_LAYERS[defect.kind],
    ...(defect.field === undefined ? {} : { field: defect.field }),
    detail: defect.detail,
  };
}

/** Ways an email goes wrong in a CRM. */
export function malformEmail(email: string, pick: number): string {
  const [local = 'x', domain = 'example.com'] = email.split('@');
  switch (pick % 6) {
    case 0:
      return `${local}@@${domain}`;
    case 1:
      return `${local}.${domain}`;
    case 2:
      return `${local} @${domain}`;
    case 3:
      return `${local}@${domain.split('.')[0] ?? domain}`;
    case 4:
      return `${local}@`;
    default:
      return `<${local}@${domain}>`;
  }
}
