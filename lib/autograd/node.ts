// The tape's two records. AutogradMeta is a tensor's autograd identity (shared by a Tensor and
// the snapshots ops take of it with checkTensor, so a gradient reaches the user's object);
// GradNode is one recorded op: its inputs' identities and the function that maps the output's
// gradient to theirs. backward() frees that function (and what it captured) once it has run.
import type { Tensor } from '../tensor';

/**
 * Maps the gradient of an op's output to one gradient (or null: none needed) per input.
 * `needed[i]` says whether input i wants a gradient, decided when the backward runs (an
 * input's requiresGrad may change between forward and backward: nn.Module.backward asks for
 * its input's gradient only when called).
 */
export type BackwardFn = (gy: Tensor, needed: readonly boolean[]) => (Tensor | null)[];

export class GradNode {
  constructor(
    /** The op's name, for messages and {@link Tensor.gradFn}. */
    readonly op: string,
    /** One entry per input: its identity (requiring grad or not), or null for a plain tensor. */
    readonly inputs: (AutogradMeta | null)[],
    /** Null once a backward has run through this node (the tape drops what it held). */
    public backward: BackwardFn | null,
    /** The output's shape (the gradient flowing in must have it). */
    readonly shape: readonly number[],
  ) {}
}

export class AutogradMeta {
  /** The accumulated gradient of a leaf (null until a backward reaches it). */
  grad: Tensor | null = null;
  constructor(
    /** Whether gradients flow to this tensor. */
    public requiresGrad: boolean,
    /** The op that made this tensor, or null for a leaf (a tensor the user made). */
    public node: GradNode | null,
  ) {}
}
