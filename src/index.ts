/**
 * Verity's public API: explicit named exports.
 */

// The seeded CRM data generator (docs/generator.md).
export { generate } from './generator/generate.js';
export type { GenerateReport, GenerateRunOptions, DefectCount } from './generator/generate.js';
export { generateChanges } from './generator/generate-changes.js';
export type { GeneratedItem, GeneratedSource, HubSpotDelivery, RecordLine } from './generator/change.js';
export { resolveGenerateOptions, GENERATOR_FORMATS, DEFAULT_FORMATS } from './generator/options.js';
export type { GenerateOptions, ResolvedGenerateOptions, GeneratorFormat } from './generator/options.js';
export { DEFECT_KINDS, DEFECT_LAYERS } from './generator/defects.js';
export type { DefectKind, DefectLayer, GroundTruthEntry } from './generator/defects.js';
export { createPrng, hashSeed } from './generator/prng.js';
export type { Prng } from './generator/prng.js';
export { signHubSpotV3 } from './generator/formats/hubspot-format.js';
export { encodeSalesforceBitmap } from './generator/formats/salesforce-bitmap.js';
