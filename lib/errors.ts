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
  // Reading `constructor` can run a caller's getter or Proxy trap: it must not replace the
  // error being built, so any throw there just leaves the name out.
  const ctorName = (): string => {
    try {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' ? name : 'Object';
    } catch {
      return 'Object';
    }
  };
  try {
    if (Array.isArray(value)) return 'an array';
  } catch {
    return 'a revoked Proxy';
  }
  if (ArrayBuffer.isView(value)) return `a ${ctorName()}`;
  if (typeof value === 'object') return `an object (${ctorName()})`;
  if (typeof value === 'symbol') return `symbol ${value.toString()}`;
  return `${typeof value} ${String(value)}`;
}

/** "Expected <expected> for <name> but received <actual>" (sharp's format, with the op first). */
export function invalidType(op: string, name: string, expected: string, actual: unknown): TypeError {
  return typeError(op, `expected ${expected} for ${name} but received ${describe(actual)}`);
}
