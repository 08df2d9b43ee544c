// Optimizer base: holds the parameters (normalized by params.ts) and the per-parameter state,
// and turns both into a serializable state dict shaped like torch's optimizer.state_dict().
import { checkBool, checkFinite, checkKeys, checkOptions } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';
import { normalizeParams, type ParamData, type ParamLike, type ParamRef } from './params';

/** A hyperparameter value in a state dict: plain JSON. */
export type HyperValue = number | boolean | number[];

/** torch's `param_groups[0]`, camelCase: the hyperparameters and the parameter indices. */
export interface ParamGroupState {
  /** The indices of the parameters (0..n-1), as torch's `params`. */
  params: number[];
  /** The learning rate. */
  lr: number;
  /** The optimizer's other hyperparameters (momentum, betas, eps, weightDecay, ...). */
  [key: string]: HyperValue;
}

/**
 * An optimizer's state, shaped like torch's `optimizer.state_dict()` and serializable as is:
 * `state` is a record of tensors (write it with `io.saveSafetensors`), `paramGroups` plain
 * JSON (store it beside, e.g. as the file's metadata).
 * @example
 * ```ts
 * const sd = opt.stateDict();
 * io.saveSafetensors('opt.safetensors', sd.state, { paramGroups: JSON.stringify(sd.paramGroups) });
 * // later, with an optimizer over the same parameters:
 * const { tensors, metadata } = io.loadSafetensorsWithMetadata('opt.safetensors');
 * opt.loadStateDict({ state: tensors, paramGroups: JSON.parse(metadata.paramGroups) });
 * ```
 */
export interface OptimizerStateDict {
  /**
   * Per-parameter state tensors keyed `<parameter index>.<torch's key>`: `0.momentum_buffer`
   * (SGD with momentum), `0.step` (a scalar, float32 as in torch 1.13), `0.exp_avg`,
   * `0.exp_avg_sq`, `0.max_exp_avg_sq` (Adam, AdamW; the last with amsgrad). A parameter that
   * has not been stepped yet has no entries, as in torch.
   */
  state: Record<string, Tensor>;
  /** One group (param groups are not supported yet): its hyperparameters and parameter indices. */
  paramGroups: ParamGroupState[];
}

/**
 * The base of the optimizers (torch.optim.Optimizer): holds the parameters it updates and
 * their state. A training step is `optimizer.zeroGrad(); loss.backward(); optimizer.step()`.
 * A parameter whose grad is null is skipped by step (as torch).
 */
export abstract class Optimizer {
  /** The learning rate (>= 0). Mutable, like param_groups[0].lr in PyTorch, for learning-rate schedules. */
  lr = 0;
  /** The parameters this optimizer updates (normalized from the array it was given, which is copied). */
  protected readonly params: ParamRef[];
  /** Per-parameter state buffers by torch's key (`momentum_buffer`, `exp_avg`, ...): null until the parameter's first step. */
  protected readonly slots: Record<string, (Float32Array | null)[]> = {};
  /** Per-parameter step counts (optimizers that count steps, as Adam), else null. */
  protected steps: number[] | null = null;

  /**
   * Normalizes the parameters (for subclasses; users construct {@link SGD}, {@link Adam} or {@link AdamW}).
   * @param op - the optimizer's name in error messages, e.g. `'optim.SGD'`.
   * @param params - the parameters to update, e.g. `model.parameters()`: Tensors carrying
   *   `.grad`, or `{ name, value, grad }` records; not empty.
   */
  constructor(
    /** The optimizer's name in error messages, e.g. `'optim.SGD'`. */
    protected readonly op: string,
    params: readonly ParamLike[]) {
    this.params = normalizeParams(op, params);
  }

  /** Updates every parameter that has a grad from that grad (one optimization step). */
  abstract step(): void;

  /** The hyperparameters other than lr, as stored in the state dict's param group. */
  protected abstract hyper(): Record<string, HyperValue>;

  /** Sets the hyperparameters other than lr from a state dict's param group (all keys of hyper(), already present). */
  protected abstract setHyper(op: string, group: Record<string, unknown>): void;

  /** The caller's options object, checked, with the required lr (>= 0) read into this.lr. */
  protected readOptions(options: unknown, keys: readonly string[]): Record<string, unknown> {
    const o = checkOptions(this.op, options, keys);
    if (o.lr === undefined) throw rangeError(this.op, 'lr is required');
    this.lr = nonNegative(this.op, 'lr', o.lr, 0);
    return o;
  }

  /**
   * Clears every parameter's gradient (gradients accumulate across backward calls until then).
   * @param setToNone - for Tensor parameters, set `grad = null` (torch 2's default, so step
   *   skips parameters no backward reached) instead of filling it with zeros. Legacy
   *   `{ value, grad }` records are always zero-filled. Default true.
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.params) p.clearGrad(`${this.op}.zeroGrad`, setToNone !== false);
  }

  /** Parameter k's values and grad, checked against its state of `stateSize` elements (0: none yet). */
  protected tensors(op: string, k: number, stateSize: number): ParamData {
    return this.params[k].read(op, stateSize);
  }

  /**
   * A snapshot of the optimizer's state (copies, not views): see {@link OptimizerStateDict}.
   * Loading it into an optimizer of the same kind over the same parameters resumes training
   * exactly where this one is.
   */
  stateDict(): OptimizerStateDict {
    const op = `${this.op}.stateDict`;
    const state: Record<string, Tensor> = {};
    this.params.forEach((p, k) => {
      const { shape, w } = p.read(op, 0);
      if (this.steps !== null && this.steps[k] > 0) state[`${k}.step`] = new Tensor(new Float32Array([this.steps[k]]), []);
      for (const key of Object.keys(this.slots)) {
        const buf = this.slots[key][k];
        if (buf === null) continue;
        const s = buf.length === w.length ? shape : [buf.length];
        state[`${k}.${key}`] = new Tensor(buf.slice(), s);
      }
    });
    const group: ParamGroupState = { lr: this.lr, ...this.hyper(), params: this.params.map((_, k) => k) };
    for (const [key, v] of Object.entries(group)) if (Array.isArray(v)) group[key] = [...v];
    return { state, paramGroups: [group] };
  }

  /**
   * Restores a state from {@link Optimizer.stateDict} (or its JSON + safetensors round trip):
   * hyperparameters, step counts and buffers. Everything is checked before anything changes.
   * @throws TypeError/RangeError naming the optimizer and the offending key: a missing or
   *   unknown hyperparameter, a state key of another optimizer, a parameter count or a buffer
   *   size that does not match.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const op = `${this.op}.loadStateDict`;
    if (dict === null || typeof dict !== 'object') throw invalidType(op, 'dict', 'a state dict { state, paramGroups }', dict);
    checkKeys(op, dict, ['state', 'paramGroups']);
    const { state, paramGroups } = dict as { state: unknown; paramGroups: unknown };
    if (!Array.isArray(paramGroups) || paramGroups.length !== 1) {
      throw rangeError(op, `paramGroups must be an array of one group (param groups are not supported), got ${Array.isArray(paramGroups) ? `${paramGroups.length} groups` : typeof paramGroups}`);
    }
    const group: unknown = paramGroups[0];
    if (group === null || typeof group !== 'object') throw invalidType(op, 'paramGroups[0]', 'an object', group);
    const g = group as Record<string, unknown>;
    const hyperKeys = ['lr', ...Object.keys(this.hyper()), 'params'];
    checkKeys(op, g, hyperKeys);
    for (const key of hyperKeys) if (g[key] === undefined) throw rangeError(op, `paramGroups[0].${key} is missing`);
    const n = this.params.length;
    const ids = g.params;
    if (!Array.isArray(ids) || ids.length !== n || ids.some((v, i) => v !== i)) {
      throw rangeError(op, `paramGroups[0].params must be [0, ..., ${n - 1}] (this optimizer has ${n} parameters), got ${Array.isArray(ids) ? `${ids.length} entries` : typeof ids}`);
    }
    if (state === null || typeof state !== 'object') throw invalidType(op, 'state', 'a record of Tensors', state);
    const slots: Record<string, (Float32Array | null)[]> = {};
    for (const key of Object.keys(this.slots)) slots[key] = this.params.map(() => null);
    const steps = this.steps === null ? null : this.params.map(() => 0);
    const sizes = this.params.map((p) => p.read(op, 0).w.length);
    for (const name of Object.keys(state)) {
      const m = /^(\d+)\.([a-z_]+)$/.exec(name);
      const k = m === null ? -1 : Number(m[1]);
      const key = m === null ? '' : m[2];
      if (m === null || k >= n || !(key in slots || (key === 'step' && steps !== null))) {
        throw rangeError(op, `unknown state key ${JSON.stringify(name)} (expected <index>.<${[...(steps ? ['step'] : []), ...Object.keys(slots)].join('|')}> with index < ${n})`);
      }
      const t = checkTensor(op, `state[${JSON.stringify(name)}]`, (state as Record<string, unknown>)[name]);
      if (key === 'step') {
        const s = t.size === 1 ? t.data[0] : NaN;
        if (!(Number.isInteger(s) && s >= 0)) throw rangeError(op, `state["${name}"] must be one non-negative integer, got ${shapeStr(t.shape)}${t.size === 1 ? ` holding ${s}` : ''}`);
        steps![k] = s;
        continue;
      }
      if (t.size !== sizes[k]) {
        throw rangeError(op, `state["${name}"] ${shapeStr(t.shape)} has ${t.size} elements but ${this.params[k].label} has ${sizes[k]}`);
      }
      slots[key][k] = t.data.slice();
    }
    if (steps !== null) {
      // A parameter with buffers but no step (or the reverse) is a truncated state.
      for (let k = 0; k < n; k++) {
        const has = Object.keys(slots).filter((key) => this.requiredWithStep(key) && slots[key][k] !== null).length;
        const need = Object.keys(slots).filter((key) => this.requiredWithStep(key)).length;
        if ((steps[k] > 0 && has !== need) || (steps[k] === 0 && has !== 0)) {
          throw rangeError(op, `state for parameter ${k} is incomplete: expected ${k}.step and ${Object.keys(slots).filter((key) => this.requiredWithStep(key)).map((key) => `${k}.${key}`).join(', ')} together`);
        }
      }
    }
    const lr = nonNegative(op, 'paramGroups[0].lr', g.lr, 0);
    this.setHyper(op, g);
    this.lr = lr;
    for (const key of Object.keys(slots)) this.slots[key] = slots[key];
    this.steps = steps;
  }

  /** Whether a stepped parameter must have the buffer `key` (Adam: exp_avg, exp_avg_sq; max_exp_avg_sq only with amsgrad). */
  protected requiredWithStep(key: string): boolean {
    void key;
    return true;
  }
}

/** A finite number >= 0, or dflt when v is undefined; a RangeError naming `name` otherwise. */
export function nonNegative(op: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = checkFinite(op, name, v);
  if (n < 0) throw rangeError(op, `${name} must be >= 0, got ${n}`);
  return n;
}

/** Reads one value (from options or a state dict), naming it `name` in errors. */
export type FieldReader<T> = (op: string, name: string, v: unknown) => T;

/** A present non-negative number (a state dict's; the default never applies). */
export const nonNegativeField: FieldReader<number> = (op, name, v) => nonNegative(op, name, v, 0);

/** A present boolean (a state dict's; the default never applies). */
export const boolField: FieldReader<boolean> = (op, name, v) => checkBool(op, name, v, false);

/**
 * Reads every entry of `from` that `readers` names, each with its reader and named
 * `prefix + key` in errors, all before any is set (a bad one changes nothing), then sets the
 * target's fields of the same names.
 */
export function setFields<T>(target: object, op: string, from: Record<string, unknown>,
  readers: Readonly<Record<string, FieldReader<T>>>, prefix = ''): void {
  const values = Object.entries(readers).map(([key, read]) => [key, read(op, prefix + key, from[key])] as const);
  for (const [key, v] of values) (target as Record<string, T>)[key] = v;
}
