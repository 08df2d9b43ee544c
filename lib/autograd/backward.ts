// Tensor.backward: walks the tape from one output back to the leaves, in reverse topological
// order, summing the gradients that reach each tensor; leaves accumulate theirs into .grad.
// Sums are fresh tensors (add, with recording off): a user may hold a gradient. Each node's
// backward function is dropped after it runs (unless retainGraph), so the tape holds memory
// only until its backward.
import { rangeError, shapeStr } from '../errors';
import { Tensor } from '../tensor';
import { noGrad } from './grad-mode';
import { add } from '../ops/arith';
import type { AutogradMeta, GradNode } from './node';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}


/** Nodes reachable from root, each after every node that consumes its output (DFS post-order, reversed). */
function topoOrder(root: GradNode): GradNode[] {
  const order: GradNode[] = [];
  const seen = new Set<GradNode>([root]);
  // Iterative DFS: a 10,000-op chain must not overflow the stack.
  const stack: [GradNode, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1] = i + 1;
      const child = node.inputs[i]?.node;
      if (child && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

/** Options of {@link Tensor.backward}. */
export interface BackwardOptions {
  /** Keep the tape after this backward so another backward can run through it (default false). */
  retainGraph?: boolean;
}

export function runBackward(meta: AutogradMeta | null, shape: readonly number[], grad: Tensor | undefined, opts: BackwardOptions | undefined): void {
  const op = 'backward';
  if (meta === null || !meta.requiresGrad) {
    throw rangeError(op, `this tensor ${shapeStr(shape)} does not require grad: no input of the ops that made it has requiresGrad (or they ran inside noGrad)`);
  }
  let seed: Tensor;
  if (grad === undefined || grad === null) {
    if (shape.reduce((a, b) => a * b, 1) !== 1) {
      throw rangeError(op, `grad can be omitted only for a one-element tensor; this one is ${shapeStr(shape)}: pass a gradient of that shape`);
    }
    seed = new Tensor(Float32Array.of(1), shape);
  } else {
    if (!(grad instanceof Tensor)) throw new TypeError(`${op}: grad must be a Tensor, got ${typeof grad}`);
    if (!sameShape(grad.shape, shape)) throw rangeError(op, `grad ${shapeStr(grad.shape)} does not match the tensor ${shapeStr(shape)}`);
    seed = grad;
  }
  const retain = opts?.retainGraph === true;
  if (meta.node === null) {
    // A leaf: d(leaf)/d(leaf) = identity.
    meta.grad = meta.grad ? add(meta.grad, seed) : new Tensor(seed.data.slice(), shape);
    return;
  }
  const order = topoOrder(meta.node);
  for (const n of order) {
    if (n.backward === null) {
      throw rangeError(op, `the tape through ${n.op} was freed by an earlier backward; pass { retainGraph: true } to the first backward to run it twice`);
    }
  }
  const pending = new Map<GradNode, Tensor>([[meta.node, seed]]);
  noGrad(() => {
    for (const n of order) {
      const gy = pending.get(n);
      pending.delete(n);
      const fn = n.backward!;
      if (!retain) n.backward = null;
      if (gy === undefined) continue;  // no gradient reached this node (e.g. only via an unused output)
      const needed = n.inputs.map((m) => m !== null && m.requiresGrad);
      if (!needed.includes(true)) continue;
      const grads = fn(gy, needed);
      for (let i = 0; i < n.inputs.length; i++) {
        const input = n.inputs[i];
        const g = grads[i];
        if (input === null || !needed[i] || g === null || g === undefined) continue;
        if (input.node === null) {
          // A leaf keeps its own copy: the same gradient tensor may reach several inputs (add),
          // and an optimizer may update a .grad in place.
          input.grad = input.grad ? add(input.grad, g) : new Tensor(g.data.slice(), g.shape);
        } else {
          const prev = pending.get(input.node);
          pending.set(input.node, prev ? add(prev, g) : g);
        }
      }
    }
  });
}
