import { VerityError } from '../../errors.js';

/**
 * Decodes the Pub/Sub API bitmap encoding of `changedFields`, `nulledFields` and `diffFields`
 * (Salesforce CDC; reference decoders: forcedotcom/pub-sub-api, pozil/pub-sub-api-node-client).
 *
 * - An element `0x<HEX>` is a big-endian bitmap over the top-level schema fields: field i is listed
 *   when bit i is set.
 * - An element `<P>-0x<HEX>` is a bitmap over the nested fields of the compound (record-typed)
 *   top-level field at index P; names come out as `Parent.Child`.
 * - Any other element is already a field name (the Streaming API / CometD delivers names) and is
 *   kept as is.
 *
 * When every nested field of a compound is set we list each `Parent.Child` (the Python/Node
 * behaviour), never the collapsed parent name (the Java EventParser's behaviour), so consumers see
 * one consistent shape.
 */
export function decodeFieldBitmap(elements: readonly unknown[], topLevelFields: readonly string[], nestedFields: (parent: string) => readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const element of elements) {
    if (typeof element !== 'string') throw new VerityError('UNPROCESSABLE', `Bitmap element ${JSON.stringify(element)?.slice(0, 40)} is not a string.`);
    const nested = /^(\d+)-0x([0-9a-fA-F]+)$/.exec(element);
    if (nested) {
      const parentIndex = Number(nested[1]);
      const parent = topLevelFields[parentIndex];
      if (parent === undefined) throw new VerityError('UNPROCESSABLE', `Bitmap "${element}" names field #${parentIndex}, but the schema has ${topLevelFields.length} fields.`);
      const children = nestedFields(parent);
      if (!children) throw new VerityError('UNPROCESSABLE', `Bitmap "${element}" needs the nested field order of compound field "${parent}" (option fieldOrder).`);
      for (const i of setBits(nested[2]!)) {
        const child = children[i];
        if (child === undefined) throw new VerityError('UNPROCESSABLE', `Bitmap "${element}" sets bit ${i}, but "${parent}" has ${children.length} nested fields.`);
        out.push(`${parent}.${child}`);
      }
    } else if (/^0x[0-9a-fA-F]*$/.test(element)) {
      for (const i of setBits(element.slice(2))) {
        const field = topLevelFields[i];
        if (field === undefined) throw new VerityError('UNPROCESSABLE', `Bitmap "${element}" sets bit ${i}, but the schema has ${topLevelFields.length} fields.`);
        out.push(field);
      }
    } else if (element.length > 0 && element.length <= 255) out.push(element);
    else throw new VerityError('UNPROCESSABLE', 'A changed-field entry is empty or too long.');
  }
  return out;
}

/** Indices of the set bits of a big-endian hex number, lowest first. */
function setBits(hex: string): number[] {
  const bits: number[] = [];
  let bit = 0;
  for (let i = hex.length - 1; i >= 0; i--, bit += 4) {
    const nibble = parseInt(hex[i]!, 16);
    for (let b = 0; b < 4; b++) if (nibble & (1 << b)) bits.push(bit + b);
  }
  return bits;
}
