// Learning-rate schedules, as torch.optim.lr_scheduler (1.13): the constructor applies the
// schedule's first value (step 0); each step() advances one step and sets optimizer.lr (and,
// for OneCycleLR, the momentum or Adam's beta1). The chainable forms are torch's own, so the
// values match torch's to the last bits of double arithmetic.
import { checkBool, checkFinite, checkIntAtLeast, checkOptions } from '../check';
import { invalidType, rangeError } from '../errors';
import { AdamBase } from './adam';
import { type FieldReader, nonNegative, Optimizer, setFields } from './optimizer';
import { SGD } from './sgd';

/** A scheduler's state: plain JSON (its step counters, learning rates and options). */
export interface SchedulerStateDict {
  /** The number of steps taken since the start (torch's last_epoch; 0 after construction). */
  lastEpoch: number;
  /** The learning rates the schedule started from (one per param group; one today). */
  baseLrs: number[];
  /** The learning rates set by the last step. */
  lastLr: number[];
  /** The schedule's options and derived values. */
  [key: string]: number | number[] | boolean | string;
}

/** The base of the learning-rate schedules (torch's LRScheduler). */
export abstract class LRScheduler {
  /** The number of steps taken (torch's last_epoch): 0 after construction, +1 per {@link LRScheduler.step}. */
  lastEpoch = -1;
  /** The learning rates the schedule started from (the optimizer's lr at construction). */
  baseLrs: number[];
  /** The learning rates set by the last step. */
  protected lastLr: number[] = [];

  /**
   * Keeps the optimizer and its lr as the base learning rate (for subclasses).
   * @param op - the scheduler's name in error messages, e.g. `'optim.StepLR'`.
   * @param optimizer - the optimizer whose lr it sets.
   */
  constructor(
    /** The scheduler's name in error messages. */
    protected readonly op: string,
    /** The optimizer whose lr it sets. */
    readonly optimizer: Optimizer) {
    if (!(optimizer instanceof Optimizer)) throw invalidType(op, 'optimizer', 'an optimizer (optim.SGD, optim.Adam, optim.AdamW)', optimizer);
    this.baseLrs = [optimizer.lr];
  }

  /** The learning rate at step lastEpoch (may read the optimizer's current lr, as torch's chainable forms). */
  protected abstract computeLr(): number;

  /** The options stored in the state dict. */
  protected abstract options(): Record<string, number | boolean | string>;

  /** Sets the options from a state dict (checked: same keys as options()). */
  protected abstract setOptions(op: string, d: Record<string, unknown>): void;

  /** Advances the schedule by one step and sets the optimizer's learning rate. */
  step(): void {
    this.lastEpoch++;
    const lr = this.computeLr();
    this.optimizer.lr = lr;
    this.lastLr = [lr];
  }

  /** The learning rates set by the last step (or the constructor): one per param group, as torch's get_last_lr(). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state, plain JSON (save it with JSON.stringify). */
  stateDict(): SchedulerStateDict {
    return { ...this.options(), lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /**
   * Restores a state from {@link LRScheduler.stateDict} (the optimizer's lr is not changed:
   * it is part of the optimizer's state dict, as in torch).
   * @throws TypeError/RangeError naming the scheduler and the missing, unknown or bad key.
   */
  loadStateDict(dict: SchedulerStateDict): void {
    const op = `${this.op}.loadStateDict`;
    if (dict === null || typeof dict !== 'object') throw invalidType(op, 'dict', 'a scheduler state dict', dict);
    const keys = [...Object.keys(this.options()), 'lastEpoch', 'baseLrs', 'lastLr'];
    const d = checkOptions(op, dict, keys);
    for (const key of keys) if (d[key] === undefined) throw rangeError(op, `${key} is missing`);
    const lastEpoch = checkIntAtLeast(op, 'lastEpoch', d.lastEpoch, 0);
    const lrs = (name: string): number[] => {
      const v = d[name];
      if (!Array.isArray(v) || v.length !== 1) throw invalidType(op, name, 'an array of one learning rate', v);
      return [checkFinite(op, `${name}[0]`, v[0])];
    };
    const baseLrs = lrs('baseLrs');
    const lastLr = lrs('lastLr');
    this.setOptions(op, d);
    this.lastEpoch = lastEpoch;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
  }
}

function requiredInt(op: string, name: string, v: unknown): number {
  if (v === undefined) throw rangeError(op, `${name} is required`);
  return checkIntAtLeast(op, name, v, 1);
}

function positive(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (v === undefined) throw rangeError(op, `${name} is required`);
  const n = checkFinite(op, name, v);
  if (!(n > 0)) throw rangeError(op, `${name} must be > 0, got ${n}`);
  return n;
}

/** A non-negative option with a default. */
const nonNegOr = (dflt: number): FieldReader<number> => (op, name, v) => nonNegative(op, name, v, dflt);

/**
 * A schedule whose options are numbers, each kept in a field of its name and read by its entry
 * of `spec` (all read, in spec's order, before any is set): the constructor, options() and
 * setOptions() of all of them in one place.
 */
abstract class NumberOptionsLR extends LRScheduler {
  /**
   * Reads the options and applies step 0.
   * @param op - the scheduler's name in error messages.
   * @param optimizer - the optimizer whose lr it sets.
   * @param spec - each option's reader, by name.
   * @param opts - the constructor's options.
   */
  constructor(op: string, optimizer: Optimizer, private readonly spec: Readonly<Record<string, FieldReader<number>>>, opts: object) {
    super(op, optimizer);
    this.setOptions(this.op, checkOptions(this.op, opts, Object.keys(spec)));
    this.step();
  }

  protected options(): Record<string, number> {
    const fields = this as unknown as Record<string, number>;
    return Object.fromEntries(Object.keys(this.spec).map((name) => [name, fields[name]]));
  }

  protected setOptions(op: string, d: Record<string, unknown>): void {
    setFields(this, op, d, this.spec);
  }
}

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Decay the learning rate every stepSize steps (an integer >= 1). Required. */
  stepSize: number;
  /** The factor applied at each decay. Default 0.1. */
  gamma?: number;
}

/**
 * Multiplies the learning rate by gamma every stepSize steps (torch.optim.lr_scheduler.StepLR):
 * `lr = baseLr * gamma^floor(step / stepSize)`.
 * @example
 * ```ts
 * const sched = new optim.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 90; epoch++) { train(); sched.step(); }
 * ```
 */
export class StepLR extends NumberOptionsLR {
  /** Steps between decays. */
  declare stepSize: number;
  /** The decay factor. */
  declare gamma: number;

  /**
   * Creates the schedule and applies its step 0 (the lr is unchanged).
   * @param optimizer - the optimizer whose lr it sets.
   * @param options - stepSize (required), gamma (default 0.1).
   */
  constructor(optimizer: Optimizer, options: StepLROptions) {
    super('optim.StepLR', optimizer, { stepSize: requiredInt, gamma: nonNegOr(0.1) }, options);
  }

  protected computeLr(): number {
    const lr = this.optimizer.lr;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lr;
    return lr * this.gamma;
  }
}

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** The number of steps of a half cosine period (an integer >= 1). Required. */
  tMax: number;
  /** The smallest learning rate. Default 0. */
  etaMin?: number;
}

/**
 * Anneals the learning rate along a cosine (torch.optim.lr_scheduler.CosineAnnealingLR):
 * `lr = etaMin + (baseLr - etaMin) * (1 + cos(pi * step / tMax)) / 2`, rising again after
 * tMax steps (the cosine continues), computed in torch's recursive form.
 * @example
 * ```ts
 * const sched = new optim.CosineAnnealingLR(opt, { tMax: 100 });
 * ```
 */
export class CosineAnnealingLR extends NumberOptionsLR {
  /** Steps of a half period. */
  declare tMax: number;
  /** The smallest learning rate. */
  declare etaMin: number;

  /**
   * Creates the schedule and applies its step 0 (the lr is unchanged; baseLr is the optimizer's lr).
   * @param optimizer - the optimizer whose lr it sets.
   * @param options - tMax (required), etaMin (default 0).
   */
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super('optim.CosineAnnealingLR', optimizer, { tMax: requiredInt, etaMin: nonNegOr(0) }, options);
  }

  protected computeLr(): number {
    const e = this.lastEpoch;
    const { tMax, etaMin } = this;
    const lr = this.optimizer.lr;
    const base = this.baseLrs[0];
    if (e === 0) return lr;
    // Python's modulo: the result has the divisor's sign.
    const mod = (((e - 1 - tMax) % (2 * tMax)) + 2 * tMax) % (2 * tMax);
    if (mod === 0) return lr + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    return ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (lr - etaMin) + etaMin;
  }
}

/** Options of {@link OneCycleLR} (torch's defaults). */
export interface OneCycleLROptions {
  /** The peak learning rate. Required. */
  maxLr: number;
  /** The number of steps of the cycle (an integer >= 1). Required. */
  totalSteps: number;
  /** The fraction of the steps spent raising the learning rate. Default 0.3. */
  pctStart?: number;
  /** The annealing curve: `'cos'` (default) or `'linear'`. */
  anneal?: 'cos' | 'linear';
  /** Cycle the momentum (SGD) or beta1 (Adam, AdamW) inversely to the learning rate. Default true. */
  cycleMomentum?: boolean;
  /** The momentum at the peak learning rate. Default 0.85. */
  baseMomentum?: number;
  /** The momentum at the lowest learning rates. Default 0.95. */
  maxMomentum?: number;
  /** The initial learning rate is maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** The final learning rate is the initial one / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial lr, then down to the final lr) instead of two. Default false. */
  threePhase?: boolean;
}

const ONE_CYCLE_KEYS = ['maxLr', 'totalSteps', 'pctStart', 'anneal', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase'] as const;

/**
 * The 1cycle policy (Smith and Topin), as torch.optim.lr_scheduler.OneCycleLR: the learning
 * rate rises from maxLr/divFactor to maxLr over pctStart of totalSteps, then falls to
 * initial/finalDivFactor; the momentum (SGD) or beta1 (Adam, AdamW) moves the opposite way
 * between maxMomentum and baseMomentum. The constructor sets the optimizer's lr (and momentum);
 * step() may be called totalSteps times.
 * @example
 * ```ts
 * const sched = new optim.OneCycleLR(opt, { maxLr: 0.1, totalSteps: epochs * batches });
 * // after each batch: opt.step(); sched.step();
 * ```
 */
export class OneCycleLR extends LRScheduler {
  private o!: Required<OneCycleLROptions>;
  private phases: { end: number; startLr: number; endLr: number; startM: number; endM: number }[] = [];

  /**
   * Creates the schedule and applies its step 0: lr = maxLr / divFactor, momentum = maxMomentum.
   * @param optimizer - the optimizer whose lr (and momentum or beta1) it sets.
   * @param options - maxLr and totalSteps (required) and torch's other options; see {@link OneCycleLROptions}.
   */
  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super('optim.OneCycleLR', optimizer);
    this.setOptions(this.op, checkOptions(this.op, options, ONE_CYCLE_KEYS));
    const initialLr = this.o.maxLr / this.o.divFactor;
    this.baseLrs = [initialLr];
    if (this.o.cycleMomentum) this.setMomentum(this.o.maxMomentum);
    this.step();
  }

  /** Sets the momentum (SGD) or beta1 (Adam, AdamW) of the optimizer. */
  private setMomentum(m: number): void {
    const opt = this.optimizer;
    if (opt instanceof SGD) opt.momentum = m;
    else if (opt instanceof AdamBase) opt.betas = [m, opt.betas[1]];
  }

  protected computeLr(): number {
    const step = this.lastEpoch;
    const { totalSteps, anneal, cycleMomentum } = this.o;
    if (step > totalSteps) throw rangeError(`${this.op}.step`, `tried to step ${step + 1} times; totalSteps is ${totalSteps}`);
    const f = anneal === 'cos'
      ? (a: number, b: number, pct: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (a: number, b: number, pct: number) => (b - a) * pct + a;
    let start = 0;
    let lr = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const ph = this.phases[i];
      if (step <= ph.end || i === this.phases.length - 1) {
        const pct = (step - start) / (ph.end - start);
        lr = f(ph.startLr, ph.endLr, pct);
        if (cycleMomentum) this.setMomentum(f(ph.startM, ph.endM, pct));
        break;
      }
      start = ph.end;
    }
    return lr;
  }

  protected options(): Record<string, number | boolean | string> {
    return { ...this.o };
  }

  protected setOptions(op: string, d: Record<string, unknown>): void {
    const maxLr = positive(op, 'maxLr', d.maxLr);
    const totalSteps = requiredInt(op, 'totalSteps', d.totalSteps);
    const pctStart = d.pctStart === undefined ? 0.3 : checkFinite(op, 'pctStart', d.pctStart);
    if (!(pctStart >= 0 && pctStart <= 1)) throw rangeError(op, `pctStart must be in [0, 1], got ${pctStart}`);
    const anneal = d.anneal === undefined ? 'cos' : d.anneal;
    if (anneal !== 'cos' && anneal !== 'linear') throw rangeError(op, `anneal must be 'cos' or 'linear', got ${JSON.stringify(anneal)}`);
    const cycleMomentum = checkBool(op, 'cycleMomentum', d.cycleMomentum, true);
    const baseMomentum = nonNegative(op, 'baseMomentum', d.baseMomentum, 0.85);
    const maxMomentum = nonNegative(op, 'maxMomentum', d.maxMomentum, 0.95);
    const divFactor = positive(op, 'divFactor', d.divFactor, 25);
    const finalDivFactor = positive(op, 'finalDivFactor', d.finalDivFactor, 1e4);
    const threePhase = checkBool(op, 'threePhase', d.threePhase, false);
    const opt = this.optimizer;
    if (cycleMomentum && !(opt instanceof SGD || opt instanceof AdamBase)) {
      throw rangeError(op, 'cycleMomentum needs an optimizer with momentum or betas (optim.SGD, optim.Adam, optim.AdamW)');
    }
    this.o = { maxLr, totalSteps, pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase };
    const initial = maxLr / divFactor;
    const min = initial / finalDivFactor;
    const p = pctStart * totalSteps;
    this.phases = threePhase
      ? [
          { end: p - 1, startLr: initial, endLr: maxLr, startM: maxMomentum, endM: baseMomentum },
          { end: 2 * p - 2, startLr: maxLr, endLr: initial, startM: baseMomentum, endM: maxMomentum },
          { end: totalSteps - 1, startLr: initial, endLr: min, startM: maxMomentum, endM: maxMomentum },
        ]
      : [
          { end: p - 1, startLr: initial, endLr: maxLr, startM: maxMomentum, endM: baseMomentum },
          { end: totalSteps - 1, startLr: maxLr, endLr: min, startM: baseMomentum, endM: maxMomentum },
        ];
  }
}
