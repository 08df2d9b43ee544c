// OnnxModel: a loaded graph, its plans (one per set of input shapes: dynamic batch), runSync on
// the calling thread and run() on a worker thread that shares the weights (SharedArrayBuffer).
import { nearest } from '../check';
import { getNumThreads, setNumThreads } from '../backend/select';
import { isTensor, Tensor } from '../tensor';
import type { Precision, ProductPrecision } from '../ops/gemm';
import type { Dim, Graph, Node } from './graph';
import { buildPlan, runPlan, type Plan } from './plan';
import { RunWorker } from './run-worker';
import { describeModel } from './summary';

/** Options of {@link onnx.load}. */
export interface OnnxLoadOptions {
  /** Threads of the compute pool while this model runs (the pool is process-wide: as {@link setNumThreads}). Default: the pool's current size. */
  threads?: number;
  /** Run the graph passes (batch-norm folding, epilogue fusion) and the plan's Concat elision (convs writing their slices of a channel Concat's output). Default true; false runs the graph as written. */
  optimize?: boolean;
  /**
   * `'fp32'` (default) or `'bf16'`: the layers that run faster on bf16 operands (Gemm, MatMul
   * and 1x1 convolutions of one group, on CPUs with AVX512_BF16) round their operands to
   * bfloat16 and sum the products in fp32 (see {@link Precision}); every other layer stays
   * fp32. `summary()` marks the bf16 steps. `'int8'`: the convolutions of one group run on
   * int8 operands (see {@link ProductPrecision}: each input with one scale per call, each
   * filter with its own, quantized once at load; exact int32 sums), every other layer fp32;
   * `summary()` marks them int8.
   */
  precision?: ProductPrecision;
}

/** A graph input or output: its name, shape (a string names a dynamic dimension) and element type. */
export interface OnnxValueInfo {
  /** The value's name in the graph (the key of run()'s feeds and results). */
  name: string;
  /** Dimensions; a string is a dynamic one (e.g. 'N' or 'batch_size'), sized by the input given to run(). */
  shape: Dim[];
  /** Element type: convkit runs float32 models. */
  type: 'float32';
}

/** How many plans (input-shape signatures) a model keeps. */
const PLAN_CACHE = 8;

/**
 * A loaded ONNX model, ready to run; made by {@link onnx.load}. Many run() calls may be in
 * flight at once: they queue on the model's worker thread and share the compute pool.
 */
export class OnnxModel {
  /** The graph inputs to feed, in the file's order. */
  readonly inputs: readonly OnnxValueInfo[];
  /** The graph outputs run() returns, in the file's order. */
  readonly outputs: readonly OnnxValueInfo[];
  private readonly plans = new Map<string, Plan>();
  private worker: RunWorker | null = null;

  /**
   * Made by {@link onnx.load}; not meant to be called directly.
   * @internal
   */
  constructor(private readonly graph: Graph, private readonly attrs: Map<Node, unknown>,
    private readonly opts: OnnxLoadOptions, private readonly passes: readonly string[]) {
    this.inputs = graph.inputs.map((v) => ({ name: v.name, shape: v.shape ?? [], type: 'float32' as const }));
    this.outputs = graph.outputs.map((v) => ({ name: v.name, shape: v.shape ?? [], type: 'float32' as const }));
  }

  /** Checks feeds against the inputs: every input given once as a float32 Tensor of a matching shape. */
  private feedsOf(op: string, feeds: unknown): { arrays: Float32Array[]; shapes: number[][] } {
    if (feeds === null || typeof feeds !== 'object' || Array.isArray(feeds) || isTensor(feeds)) {
      throw new TypeError(`${op}: feeds must be an object of input name to Tensor, e.g. { ${this.inputs[0]?.name ?? 'input'}: x }`);
    }
    const f = feeds as Record<string, unknown>;
    const names = this.inputs.map((i) => i.name);
    for (const k of Object.keys(f)) {
      if (!names.includes(k)) {
        const hint = nearest(k, names);
        throw new TypeError(`${op}: the model has no input "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}; its inputs: ${names.join(', ')}`);
      }
    }
    const sizes = new Map<string, number>();
    const arrays: Float32Array[] = [], shapes: number[][] = [];
    for (const inp of this.inputs) {
      const t = f[inp.name];
      if (t === undefined) throw new TypeError(`${op}: input "${inp.name}" is missing (shape [${inp.shape.join(', ')}])`);
      if (!isTensor(t)) throw new TypeError(`${op}: input "${inp.name}" must be a Tensor`);
      if (!(t.data instanceof Float32Array)) throw new TypeError(`${op}: input "${inp.name}" must be float32, got an Int32Array tensor`);
      const want = inp.shape;
      const shape = [...t.shape];
      const bad = () => new RangeError(`${op}: input "${inp.name}" has shape [${shape.join(', ')}], the model expects [${want.join(', ')}]`);
      if (want.length && shape.length !== want.length) throw bad();
      want.forEach((d, i) => {
        if (typeof d === 'number') { if (shape[i] !== d) throw bad(); return; }
        const seen = sizes.get(d);
        if (seen !== undefined && seen !== shape[i]) throw new RangeError(`${op}: dimension "${d}" is ${seen} in one input and ${shape[i]} in input "${inp.name}"`);
        sizes.set(d, shape[i]);
      });
      if (shape.some((d) => d < 1)) throw new RangeError(`${op}: input "${inp.name}" is empty (shape [${shape.join(', ')}])`);
      // The buffer may have been transferred or detached since the Tensor was made.
      const n = shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== n) throw new RangeError(`${op}: input "${inp.name}" holds ${t.data.length} elements for shape [${shape.join(', ')}] (was its buffer transferred or detached?)`);
      arrays.push(t.data as Float32Array);
      shapes.push(shape);
    }
    return { arrays, shapes };
  }

  /**
   * The plan for these input shapes, built on first use.
   * @internal
   */
  planFor(shapes: number[][]): Plan {
    const key = shapes.map((s) => s.join('x')).join(';');
    let plan = this.plans.get(key);
    if (!plan) {
      plan = buildPlan(this.graph, this.attrs, shapes, this.opts.precision ?? 'fp32', this.opts.optimize !== false);
      if (this.plans.size >= PLAN_CACHE) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
    }
    return plan;
  }

  /**
   * Runs on already checked arrays; used by runSync and the worker.
   * @internal
   */
  runArrays(arrays: Float32Array[], shapes: number[][]): { data: Float32Array; shape: number[] }[] {
    const plan = this.planFor(shapes);
    const threads = this.opts.threads;
    const before = threads === undefined ? 0 : getNumThreads();
    if (threads !== undefined && before !== threads) setNumThreads(threads);
    try {
      const out = runPlan(plan, arrays);
      return plan.outputs.map((o, i) => ({ data: out[i] as Float32Array, shape: o.shape }));
    } finally {
      if (threads !== undefined && before !== threads) setNumThreads(before);
    }
  }

  /**
   * Runs the model on the calling thread.
   * @param feeds - one float32 Tensor per input, by name; dynamic dimensions (batch) may take any size.
   * @returns one Tensor per output, by name (fresh arrays the caller owns).
   * @throws TypeError / RangeError for a missing, unknown, mistyped or misshaped input, naming it.
   */
  runSync(feeds: Record<string, Tensor>): Record<string, Tensor> {
    const { arrays, shapes } = this.feedsOf('model.runSync', feeds);
    const out = this.runArrays(arrays, shapes);
    const result: Record<string, Tensor> = {};
    this.outputs.forEach((o, i) => { result[o.name] = new Tensor(out[i].data, out[i].shape); });
    return result;
  }

  /**
   * Runs the model off the main thread (a worker thread owned by the model, sharing its
   * weights); the inputs are copied at the call, so the caller may reuse them at once.
   * @param feeds - one float32 Tensor per input, by name.
   * @returns a promise of one Tensor per output, by name; bad input rejects it.
   */
  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const { arrays, shapes } = this.feedsOf('model.run', feeds);
    this.worker ??= new RunWorker(this.graph, { threads: this.opts.threads, precision: this.opts.precision });
    const out = await this.worker.run(arrays, shapes);  // copies them
    const result: Record<string, Tensor> = {};
    this.outputs.forEach((o, i) => { result[o.name] = new Tensor(out[i].data, out[i].shape); });
    return result;
  }

  /**
   * The optimized graph as text: each backend call with its output shape and notes (the fused
   * epilogue, the kernel size), the passes' changes, the parameter count and the peak bytes of
   * intermediates, for the given input shapes (default: the declared ones, dynamic sizes 1).
   */
  summary(inputShapes?: number[][]): string {
    const shapes = inputShapes ?? this.inputs.map((i) => i.shape.map((d) => (typeof d === 'number' ? d : 1)));
    return describeModel(this.graph, this.planFor(shapes), this.passes);
  }

  /** Stops the model's worker thread (run() starts a new one if called again). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.close();
  }
}
