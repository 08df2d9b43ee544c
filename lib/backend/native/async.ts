// Native promises settle on the libuv thread pool; an error from there has no JS frames of
// the caller. Capture the caller's stack before the call and attach it (sharp does the same).
export function withCallerStack<T>(promise: Promise<T>): Promise<T> {
  const caller = new Error();
  return promise.catch((err: unknown) => {
    if (err instanceof Error && caller.stack) {
      err.stack = `${err.name}: ${err.message}\n${caller.stack.split('\n').slice(2).join('\n')}`;
    }
    throw err;
  });
}
