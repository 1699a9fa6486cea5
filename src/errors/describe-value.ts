// How a bad value is shown in an "x must be y (got z)" message: short values as they are, long strings and
// structured values by their kind only, so the message stays one short line.

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
