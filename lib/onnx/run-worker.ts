// The thread model.run() computes on: one worker per model, started on the first run(),
// holding the same graph with its weights in SharedArrayBuffers (no copy), running requests
// in arrival order. It does not keep the process alive while idle.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { getBackend } from '../backend/select';
import type { Graph } from './graph';

/** A message from the worker: a result or an error for request `id`, and the request's input copies handed back (recycled by the next run). */
export interface Reply {
  id: number;
  outputs?: { data: Float32Array; shape: number[] }[];
  error?: { name: string; message: string };
  inputs: Float32Array[];
}

// Input copies kept for reuse: at most this many per byte length, and this many lengths (the
// oldest length dropped first). A fresh buffer costs a page fault per 4 KiB page on first write,
// ~10 us each on this project's VMs: copying a [4, 3, 224, 224] input into a new array took
// 1.1-6.4 ms, into a reused one 0.34 ms.
const SPARE_PER_LENGTH = 4;
const SPARE_LENGTHS = 8;

/** Moves every constant's elements into shared memory so the worker reads the same bytes (onnx.load does it once, before any plan holds the old arrays). */
export function shareConsts(g: Graph): void {
  for (const [name, c] of g.consts) {
    if (c.data.buffer instanceof SharedArrayBuffer) continue;
    const shared = new (c.data.constructor as Float32ArrayConstructor)(new SharedArrayBuffer(c.data.byteLength));
    shared.set(c.data);
    g.consts.set(name, { ...c, data: shared });
  }
}

// The compiled worker: beside this file in dist/; when this file runs from lib/ (tests over
// the TypeScript sources) the build's copy in dist/onnx/.
function workerFile(): string {
  const here = path.join(__dirname, 'worker.js');
  if (fs.existsSync(here)) return here;
  return path.join(__dirname, '..', '..', 'dist', 'onnx', 'worker.js');
}

export class RunWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (o: NonNullable<Reply['outputs']>) => void; reject: (e: Error) => void; stack: string }>();
  private next = 0;
  private failed: Error | null = null;
  private readonly spare = new Map<number, ArrayBuffer[]>();

  constructor(graph: Graph, opts: { threads?: number; precision?: 'fp32' | 'bf16' | 'int8' }) {
    shareConsts(graph);
    this.worker = new Worker(workerFile(), { workerData: { graph, opts, backend: getBackend() } });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => this.settle(r));
    const fail = (err: Error) => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`model.run: the model's worker thread failed: ${err.message}`)));
    this.worker.on('exit', (code) => { if (this.pending.size) fail(new Error(`model.run: the model's worker thread exited (code ${code})`)); });
  }

  /** A copy of `a` in a recycled buffer of its byte length, or in a new one. */
  private copyOf(a: Float32Array): Float32Array {
    const buf = this.spare.get(a.byteLength)?.pop() ?? new ArrayBuffer(a.byteLength);
    const c = new Float32Array(buf);
    c.set(a);
    return c;
  }

  private keep(inputs: readonly Float32Array[] | undefined): void {
    for (const a of inputs ?? []) {
      const buf = a.buffer;
      if (!(buf instanceof ArrayBuffer) || buf.byteLength !== a.byteLength) continue;
      let list = this.spare.get(buf.byteLength);
      if (!list) {
        if (this.spare.size >= SPARE_LENGTHS) this.spare.delete(this.spare.keys().next().value!);
        list = [];
        this.spare.set(buf.byteLength, list);
      }
      if (list.length < SPARE_PER_LENGTH) list.push(buf);
    }
  }

  private settle(r: Reply): void {
    this.keep(r.inputs);
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (r.error) {
      const E = r.error.name === 'RangeError' ? RangeError : r.error.name === 'TypeError' ? TypeError : Error;
      const err = new E(r.error.message);
      err.stack = `${err.name}: ${err.message}\n${p.stack}`;
      p.reject(err);
    } else {
      p.resolve(r.outputs!);
    }
  }

  /** Runs on copies of `arrays` (the caller may reuse them at once). */
  run(arrays: readonly Float32Array[], shapes: number[][]): Promise<NonNullable<Reply['outputs']>> {
    if (this.failed) return Promise.reject(this.failed);
    const copies = arrays.map((a) => this.copyOf(a));
    const id = this.next++;
    const stack = (new Error().stack ?? '').split('\n').slice(3).join('\n');
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, stack });
      this.worker.ref();
      this.worker.postMessage({ id, arrays: copies, shapes }, copies.map((a) => a.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    this.spare.clear();
    await this.worker.terminate();
  }
}
