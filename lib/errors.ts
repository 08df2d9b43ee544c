// One message format for every op: "<op>: <what is wrong> (<shapes>)".
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function typeError(op: string, message: string): TypeError {
  return new TypeError(`${op}: ${message}`);
}

export function rangeError(op: string, message: string): RangeError {
  return new RangeError(`${op}: ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}

/** "Expected <expected> for <name> but received <actual>" (sharp's format, with the op first). */
export function invalidType(op: string, name: string, expected: string, actual: unknown): TypeError {
  return typeError(op, `expected ${expected} for ${name} but received ${describe(actual)}`);
}
