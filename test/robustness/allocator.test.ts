// The addon keeps freed outputs in the glibc heap (native/napi/allocator.cc) unless
// CONVKIT_MALLOC_TUNING=0 or the process set glibc's own MALLOC_*_THRESHOLD_ variables.
// Each case loads the addon in a fresh process, as the setting is taken once per process.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { info } from '../../lib/index';
import { nativeRequired } from '../helpers/native';

const root = path.resolve(__dirname, '../..');
const glibc = process.platform === 'linux' && Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

function tunedIn(env: Record<string, string>): unknown {
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(root)}).info().native.mallocTuned))`], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!info().native.loaded && !nativeRequired())('allocator tuning', () => {
  it('is on by default where glibc is the allocator', () => {
    expect(tunedIn({})).toBe(glibc);
  });
  it('is off with CONVKIT_MALLOC_TUNING=0', () => {
    expect(tunedIn({ CONVKIT_MALLOC_TUNING: '0' })).toBe(false);
  });
  it('leaves a process that set MALLOC_MMAP_THRESHOLD_ alone', () => {
    expect(tunedIn({ MALLOC_MMAP_THRESHOLD_: '1048576' })).toBe(false);
  });
});

// Small native outputs are views of a shared 8 KB slab (lib/backend/native/output.ts). A caller
// transferring one to a worker or through structuredClone gets a copy: neither that tensor nor
// its slab neighbours are detached, and each keeps its own values.
describe.skipIf(!info().native.loaded && !nativeRequired())('small outputs share an untransferable slab', () => {
  it('survive postMessage and structuredClone transfers, neighbours intact', async () => {
    const { backends } = await import('../../lib/index');
    const { MessageChannel } = await import('node:worker_threads');
    const be = backends.native;
    let a = be.output(16), b = be.output(16);
    if (a.buffer !== b.buffer) [a, b] = [be.output(16), be.output(16)];  // a was the last of a slab
    const big = be.output(4096);
    expect(a.buffer).toBe(b.buffer);             // one slab
    expect(big.buffer).not.toBe(a.buffer);       // large outputs have their own buffer
    expect(b.byteOffset - a.byteOffset).toBe(64);  // 64-byte aligned views
    a.fill(1); b.fill(2);
    const { port1, port2 } = new MessageChannel();
    const got = new Promise<Float32Array>((resolve) => port2.once('message', resolve));
    port1.postMessage(a, [a.buffer as ArrayBuffer]);
    const copy = await got;
    port1.close(); port2.close();
    expect(Array.from(copy)).toEqual(new Array(16).fill(1));
    structuredClone(b, { transfer: [b.buffer as ArrayBuffer] });
    expect(a.length).toBe(16);
    expect(b.length).toBe(16);
    expect(Array.from(a)).toEqual(new Array(16).fill(1));
    expect(Array.from(b)).toEqual(new Array(16).fill(2));
  });
});

// Native outputs and an ONNX plan's buffers start on a 64-byte boundary (output.ts, plan.ts):
// malloc'd ArrayBuffers start 16 bytes past one, where every 64-byte vector access touches two
// cache lines (a 14x14x384 depthwise layer: 29.5-30.0 us against 23.3-23.5 aligned).
describe.skipIf(!info().native.loaded && !nativeRequired())('64-byte aligned memory', () => {
  it('every native output, small (slab) and large, starts on a 64-byte boundary', async () => {
    const { backends } = await import('../../lib/index');
    const { loadAddon } = await import('../../lib/backend/native/addon');
    const addon = loadAddon().addon!;
    const at = (y: Float32Array) => (addon.byteMisalignment(y.buffer as ArrayBuffer) + y.byteOffset) % 64;
    let misaligned = 0, buffers = 0;
    for (const n of [1, 3, 16, 17, 255, 256, 257, 1000, 4097, 100_000, 1 << 20]) {
      for (let i = 0; i < 20; i++) {
        const y = backends.native.output(n);
        expect(y.length).toBe(n);
        if (at(y) !== 0) misaligned++;
        if (addon.byteMisalignment(y.buffer as ArrayBuffer) !== 0) buffers++;
      }
    }
    expect(misaligned).toBe(0);
    expect(buffers).toBeGreaterThan(0);  // the buffers themselves are not: the offsets did it
  });
  it('byteMisalignment rejects anything but an ArrayBuffer, and answers 0 for a detached one', async () => {
    const { loadAddon } = await import('../../lib/backend/native/addon');
    const addon = loadAddon().addon!;
    for (const bad of [new Float32Array(4), new SharedArrayBuffer(8), {}, null, 3]) {
      expect(() => addon.byteMisalignment(bad as never)).toThrow(/byteMisalignment: buffer must be an ArrayBuffer/);
    }
    expect(addon.byteMisalignment(new ArrayBuffer(0))).toBeGreaterThanOrEqual(0);
    // A detached buffer has no memory: 0, no crash.
    const gone = new ArrayBuffer(64);
    structuredClone(gone, { transfer: [gone] });
    expect(gone.byteLength).toBe(0);
    expect(addon.byteMisalignment(gone)).toBe(0);
  });
  it("an ONNX plan's intermediate buffers start on 64-byte boundaries", async () => {
    const { onnx, setBackend } = await import('../../lib/index');
    const { loadAddon } = await import('../../lib/backend/native/addon');
    const addon = loadAddon().addon!;
    setBackend('native');
    const model = await onnx.load(path.join(root, 'test/fixtures/onnx/resnet18-op13.onnx'));
    try {
      const plan = model.planFor([[2, ...model.inputs[0].shape.slice(1) as number[]]]);
      expect(plan.views.length).toBeGreaterThan(3);
      for (const v of plan.views) expect((addon.byteMisalignment(v.buffer as ArrayBuffer) + v.byteOffset) % 64).toBe(0);
    } finally {
      await model.close();
    }
  });
});
