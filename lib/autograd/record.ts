// How an op joins the tape: needsGrad(inputs) at its call, record(...) once it has its output.
import { isGradEnabled } from './grad-mode';
import { AutogradMeta, GradNode, type BackwardFn } from './node';
import type { Tensor } from '../tensor';

/** The autograd identity of t when gradients flow through it, else null. */
export function metaOf(t: Tensor | null | undefined): AutogradMeta | null {
  if (t === null || t === undefined) return null;
  const m = (t as unknown as { _ag: unknown })._ag;
  return m instanceof AutogradMeta && m.requiresGrad ? m : null;
}

/** t's autograd identity whether or not it requires grad now (null for a plain tensor). */
function identityOf(t: Tensor | null | undefined): AutogradMeta | null {
  if (t === null || t === undefined) return null;
  const m = (t as unknown as { _ag: unknown })._ag;
  return m instanceof AutogradMeta ? m : null;
}

/** Whether an op over these inputs must record itself: grad mode on and any input requires grad. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (let i = 0; i < inputs.length; i++) if (metaOf(inputs[i]) !== null) return true;
  return false;
}

/**
 * Records op on the tape: y (a fresh output) gets a node whose backward maps dL/dy to one
 * gradient per input (same order as inputs; null where not needed). The closure should capture
 * only what the gradient needs (it is dropped after the backward that runs it). Returns y.
 */
export function record<T extends Tensor>(op: string, y: T, inputs: (Tensor | null | undefined)[], backward: BackwardFn): T {
  const metas = inputs.map(identityOf);
  const node = new GradNode(op, metas, backward, y.shape);
  (y as unknown as { _ag: AutogradMeta | null })._ag = new AutogradMeta(true, node);
  return y;
}
