/**
 * Masks personal data before it appears in a violation, a log line or a report.
 */

/**
 * Masks a value: an email keeps the first letter of its local part and domain and the top-level
 * domain (`j***@e***.com`); other strings keep their first character; anything else becomes `***`.
 */
export function maskValue(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') {
    const at = value.lastIndexOf('@');
    if (at > 0) {
      const domain = value.slice(at + 1);
      const dot = domain.lastIndexOf('.');
      const tld = dot > 0 ? domain.slice(dot) : '';
      return `${value[0]}***@${domain ? domain[0] + '***' : ''}${tld}`;
    }
    return value.length <= 1 ? '***' : `${value[0]}***`;
  }
  if (Array.isArray(value)) return value.map(() => '***');
  return '***';
}
