/**
 * Encodes Salesforce CDC field bitmaps (`changedFields`, `nulledFields`, `diffFields`) as the
 * Pub/Sub API delivers them (fixtures `salesforce-cdc/bitmap-vectors.json`): element 0 is `0x` +
 * big-endian hex of the top-level field bits (bit i = field i of the Avro schema); each further
 * element `P-0xHEX` lists nested fields of the compound field at top-level index P.
 */

function hex(bits: bigint): string {
  let s = bits.toString(16).toUpperCase();
  if (s.length % 2 === 1) s = `0${s}`;
  return `0x${s}`;
}

/**
 * Encodes top-level field indices and nested (parent index → child indices) into bitmap strings.
 * @example
 * encodeSalesforceBitmap([22], { 4: [1, 2] }) // ['0x400000', '4-0x06']
 */
export function encodeSalesforceBitmap(topLevel: readonly number[], nested: ReadonlyMap<number, readonly number[]> = new Map()): string[] {
  const out: string[] = [];
  if (topLevel.length > 0) {
    let bits = 0n;
    for (const i of topLevel) bits |= 1n << BigInt(i);
    out.push(hex(bits));
  }
  for (const parent of [...nested.keys()].sort((a, b) => a - b)) {
    let bits = 0n;
    for (const i of nested.get(parent) ?? []) bits |= 1n << BigInt(i);
    if (bits !== 0n) out.push(`${parent}-${hex(bits)}`);
  }
  return out;
}
