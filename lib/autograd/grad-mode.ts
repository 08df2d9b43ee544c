// Whether ops record themselves on the tape: on by default, off inside noGrad(fn).
// The mode is a plain process-wide (per JS thread) flag set for the synchronous run of fn:
// ops decide at their call whether to record (an async op decides when it is called, not when
// it settles), so `noGrad(() => model.forwardAsync(x))` records nothing either.

let enabled = true;

/** Whether ops record themselves now (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`${mode ? 'enableGrad' : 'noGrad'}: fn must be a function, got ${typeof fn}`);
  const before = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = before;
  }
}

/**
 * Runs fn with recording off and returns its result (as torch.no_grad): inference, or updating
 * parameters by hand. Ops called synchronously inside fn record nothing; an async op called
 * inside fn records nothing even if it settles later.
 * @example
 * ```ts
 * const logits = noGrad(() => model.forward(x));   // no tape, no memory held for backward
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Runs fn with recording on (inside a {@link noGrad}, as torch.enable_grad) and returns its result. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
