// The addon's own functions, called directly with anything: wrong types, short buffers,
// detached ArrayBuffers, huge and negative sizes whose products overflow. Every call must
// throw (or reject with) a TypeError/RangeError naming the op; none may crash or write outside.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/backend/native/addon';
import type { Addon } from '../../lib/backend/native/addon-types';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { pool2dInfo } from '../../lib/shape/pool2d-info';
import { packConv2dInfo, packGemmInfo, packGlobalPool2dInfo, packPool2dInfo } from '../../lib/backend/native/packed-info';
import { blas, nativeRequired } from '../helpers/native';

const { addon } = loadAddon();
const a = addon as Addon & Record<string, (...args: unknown[]) => unknown>;

function detached(n: number): Float32Array {
  const f = new Float32Array(n);
  structuredClone(f.buffer, { transfer: [f.buffer] });
  return f;
}

/** Expects a sync throw or an async rejection with TypeError/RangeError starting with op. */
async function rejects(op: string, call: () => unknown): Promise<void> {
  let err: unknown;
  try {
    const r = call();
    if (r && typeof (r as Promise<unknown>).then === 'function') await r;
  } catch (e) {
    err = e;
  }
  expect(err, `${op} accepted bad input`).toBeDefined();
  expect(err instanceof TypeError || err instanceof RangeError, String(err)).toBe(true);
  // op may list alternatives: 'activation|relu'.
  expect(op.split('|').some((o) => (err as Error).message.startsWith(`${o}:`)), (err as Error).message).toBe(true);
}

const convInfo = conv2dInfo('t', [2, 3, 9, 9], [4, 3, 3, 3], { padding: 1 }, [4]);
const poolInfo = pool2dInfo('t', 'max', [2, 3, 9, 9], { kernel: 2 });
const f = (n: number) => new Float32Array(n);
const X = 2 * 3 * 81;
const W = 4 * 27;
const Y = 2 * 4 * 81;

const garbage: unknown[] = [undefined, null, 0, -1, NaN, 'x', {}, [], [1, 2], new Float64Array(10), new Uint8Array(40), new Int32Array(10), () => 1, Symbol('s'), 1n];

describe.skipIf(!addon && !nativeRequired())('native boundary', () => {
  it('rejects wrong types in every position of conv2d / conv2dAsync', async () => {
    const good = [f(X), f(W), f(4), f(Y), convInfo];
    for (const name of ['conv2d', 'conv2dAsync']) {
      for (let pos = 0; pos < good.length; pos++) {
        for (const g of garbage) {
          if (pos === 2 && (g === null || g === undefined)) continue;  // b may be absent only when hasBias is false
          if (name === 'conv2dAsync' && pos === 3 && g === null) continue;  // async: y = null allocates the output
          const args = [...good];
          args[pos] = g;
          await rejects('conv2d', () => a[name](...args));
        }
      }
      await rejects('conv2d', () => a[name]());
    }
  });

  it('rejects short, long and detached buffers', async () => {
    await rejects('conv2d', () => a.conv2d(f(X - 1), f(W), f(4), f(Y), convInfo));
    await rejects('conv2d', () => a.conv2d(f(X), f(W), f(4), f(Y + 1), convInfo));
    await rejects('conv2d', () => a.conv2d(detached(X), f(W), f(4), f(Y), convInfo));
    await rejects('conv2d', () => a.conv2dAsync(f(X), f(W), f(4), detached(Y), convInfo));
    await rejects('maxPool2d', () => a.maxPool2d(f(X), detached(2 * 3 * 16), poolInfo));
    await rejects('sgemm', () => a.sgemm(...blas(false, false, 4, 4, 4, 1, f(16), 4, f(16), 4, 0, detached(16), 4)));
  });

  it('rejects info fields that are missing, fractional, negative, huge or inconsistent', async () => {
    const bad: Record<string, unknown>[] = [
      { batch: undefined }, { batch: -1 }, { batch: 1.5 }, { batch: NaN }, { batch: Infinity }, { batch: 2 ** 53 },
      { inChannels: 2 ** 31 }, { outHeight: 0 }, { strideH: 0 }, { dilationW: 0 }, { groups: 0 }, { groups: 2 },
      { padTop: -3 }, { layout: 'chwn' }, { layout: 1 }, { activation: 'gelu' }, { hasBias: 'yes' },
      // Sizes whose product overflows 64 bits if multiplied unchecked.
      { batch: 2 ** 31 - 1, inChannels: 2 ** 31 - 1, inHeight: 2 ** 31 - 1, inWidth: 2 ** 31 - 1 },
      { outChannels: 2 ** 31 - 1, kernelH: 2 ** 31 - 1, kernelW: 2 ** 31 - 1 },
      { outHeight: 10 },  // disagrees with the output-size formula
    ];
    for (const patch of bad) await rejects('conv2d', () => a.conv2d(f(X), f(W), f(4), f(Y), { ...convInfo, ...patch }));
    for (const patch of [{ kernelH: 0 }, { channels: -1 }, { countIncludePad: 1 }, { outWidth: 99 }, { batch: 2 ** 31 - 1, channels: 2 ** 31 - 1 }]) {
      await rejects('maxPool2d', () => a.maxPool2d(f(X), f(2 * 3 * 16), { ...poolInfo, ...patch }));
      await rejects('avgPool2d', () => a.avgPool2dAsync(f(X), f(2 * 3 * 16), { ...poolInfo, ...patch }));
    }
  });

  it('sgemm checks leading dimensions, sizes and buffer extents', async () => {
    const ok = [false, false, 4, 5, 6, 1, f(24), 6, f(30), 5, 0, f(20), 5] as const;
    const patches: [number, unknown][] = [
      [0, 1], [2, -1], [3, 1.5], [4, 2 ** 53], [5, NaN], [6, f(23)], [7, 5], [9, 4], [11, f(19)], [12, 4], [10, Infinity],
      [2, 2 ** 31 - 1], [8, [1, 2, 3]],
    ];
    for (const [pos, v] of patches) {
      const args: unknown[] = [...ok];
      args[pos] = v;
      await rejects('sgemm', () => a.sgemm(...blas(...args)));
      await rejects('sgemm', () => a.sgemmAsync(...blas(...args)));
    }
    // Subarray views are honoured: a C window in the middle of a buffer is written, its neighbours not.
    const big = new Float32Array(40).fill(7);
    a.sgemm(...blas(false, false, 4, 5, 6, 1, f(24).fill(1), 6, f(30).fill(1), 5, 0, big.subarray(10, 30), 5));
    expect(Array.from(big.subarray(0, 10))).toEqual(Array(10).fill(7));
    expect(Array.from(big.subarray(10, 30))).toEqual(Array(20).fill(6));
    expect(Array.from(big.subarray(30))).toEqual(Array(10).fill(7));
  });

  it('activation and softmax check kinds and extents', async () => {
    await rejects('activation', () => a.activation('swish' as 'relu', f(4), f(4)));
    await rejects('relu', () => a.activation('relu', f(4), f(3)));
    await rejects('softmax', () => a.softmax(f(12), f(12), 3, 4, 2, false));
    await rejects('softmax', () => a.softmax(f(12), f(12), 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, false));
  });

  it('rejects wrong types, bad info and wrong lengths in the gradient functions', async () => {
    const cases: [string, string, unknown[], number[]][] = [
      // [op prefix, function, good arguments, positions that must be Float32Arrays]
      ['conv2dBackwardData', 'conv2dBackwardData', [f(Y), f(W), f(X), convInfo], [0, 1, 2]],
      ['conv2dBackwardData', 'conv2dBackwardDataAsync', [f(Y), f(W), f(X), convInfo], [0, 1, 2]],
      ['conv2dBackwardFilter', 'conv2dBackwardFilter', [f(Y), f(X), f(W), f(4), convInfo], [0, 1, 2]],
      ['conv2dBackwardFilter', 'conv2dBackwardFilterAsync', [f(Y), f(X), f(W), null, convInfo], [0, 1, 2]],
      ['maxPool2dBackward', 'maxPool2dBackward', [f(2 * 3 * 16), f(X), f(X), poolInfo], [0, 1, 2]],
      ['avgPool2dBackward', 'avgPool2dBackward', [f(2 * 3 * 16), f(X), { ...poolInfo, countIncludePad: true }], [0, 1]],
      ['activationBackward', 'activationBackward', ['tanh', f(5), f(5), f(5)], [1, 2, 3]],
      ['softmaxBackward', 'softmaxBackward', [f(12), f(12), f(12), 3, 2, 2, true], [0, 1, 2]],
    ];
    for (const [op, name, good, arrays] of cases) {
      a[name](...good);  // the good call succeeds
      for (const pos of arrays) {
        for (const g of [undefined, null, 1, new Float64Array(good[pos] instanceof Float32Array ? (good[pos] as Float32Array).length : 5), [0, 0]]) {
          const args = [...good];
          args[pos] = g;
          await rejects(op, () => a[name](...args));
        }
        const short = [...good];
        short[pos] = f((good[pos] as Float32Array).length - 1);
        await rejects(op, () => a[name](...short));
        const detachedArgs = [...good];
        detachedArgs[pos] = detached((good[pos] as Float32Array).length);
        await rejects(op, () => a[name](...detachedArgs));
      }
    }
    for (const name of ['conv2dBackwardData', 'conv2dBackwardDataAsync']) {
      for (const patch of [{ batch: -1 }, { groups: 2 }, { outHeight: 10 }, { layout: 'chwn' }, { batch: 2 ** 31 - 1, inChannels: 2 ** 31 - 1 }]) {
        await rejects('conv2dBackwardData', () => a[name](f(Y), f(W), f(X), { ...convInfo, ...patch }));
      }
    }
    await rejects('conv2dBackwardFilter', () => a.conv2dBackwardFilter(f(Y), f(X), f(W), f(5), convInfo));  // db length
    await rejects('conv2dBackwardFilter', () => a.conv2dBackwardFilter(f(Y), f(X), f(W), 'db', convInfo));
    await rejects('maxPool2dBackward', () => a.maxPool2dBackward(f(2 * 3 * 16), f(X), f(X), { ...poolInfo, outWidth: 99 }));
    await rejects('avgPool2dBackward', () => a.avgPool2dBackward(f(2 * 3 * 16), f(X), { ...poolInfo, dilationH: 2 }));
    await rejects('activationBackward', () => a.activationBackward('swish' as 'relu', f(4), f(4), f(4)));
    await rejects('activationBackward', () => a.activationBackward('relu', f(4), f(3), f(4)));
    await rejects('softmaxBackward', () => a.softmaxBackward(f(12), f(12), f(12), 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, false));
  });

  it('the packed info (lib/backend/native/packed-info.ts) is read as the object is: same results, same refusals, field by field', async () => {
    /** The error message of call(), or 'ok'. */
    const outcome = async (call: () => unknown): Promise<string> => {
      try {
        const r = call();
        if (r && typeof (r as Promise<unknown>).then === 'function') await r;
        return 'ok';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    const gemm = { transA: false, transB: true, m: 4, n: 5, k: 6, alpha: 0.5, beta: 2, lda: 6, ldb: 6, ldc: 5 };
    const conv = { ...convInfo, activation: 'hardSwish' as const };
    const pool = { ...poolInfo, countIncludePad: true };
    const gpool = { batch: 2, channels: 3, height: 9, width: 9, layout: 'nhwc' as const };
    const kinds: [Record<string, unknown>, (i: never) => unknown, (info: unknown) => [unknown, Float32Array]][] = [
      [gemm, packGemmInfo, (i) => { const c = f(20).fill(1); a.sgemm(f(24).fill(1.5), f(30).fill(-1), c, i as never); return [i, c]; }],
      [conv, packConv2dInfo, (i) => { const y = f(Y); a.conv2d(f(X).fill(0.25), f(W).fill(0.5), f(4).fill(1), y, i as never, f(Y).fill(-3)); return [i, y]; }],
      [pool, packPool2dInfo, (i) => { const y = f(2 * 3 * 16); a.avgPool2d(f(X).map((_, j) => j % 7), y, i as never); return [i, y]; }],
      [gpool, packGlobalPool2dInfo, (i) => { const y = f(6); a.globalAvgPool2d(f(X).map((_, j) => j % 5), y, i as never); return [i, y]; }],
    ];
    for (const [info, pack, run] of kinds) {
      const packed = pack(info as never);
      expect(packed).toBeInstanceOf(Float64Array);
      expect(Array.from(run(packed)[1])).toEqual(Array.from(run(info)[1]));
      // Each field made wrong in turn: the object and its packed form fail alike (numbers
      // stay numbers when packed; a field of another type leaves the object unpacked).
      for (const [key, v] of Object.entries(info)) {
        const bads = typeof v === 'number' ? [-1, 1.5, NaN, 2 ** 31, 0] : typeof v === 'boolean' ? [1] : ['nope'];
        for (const bad of bads) {
          const patched = { ...info, [key]: bad };
          const viaObject = await outcome(() => run(patched));
          expect(await outcome(() => run(pack(patched as never))), `${key} = ${bad}`).toBe(viaObject);
        }
      }
      const wrongTag = (packed as Float64Array).slice();
      wrongTag[0] = 1;
      await expect(outcome(() => run(wrongTag))).resolves.toMatch(/^TypeError: (sgemm|conv2d|avgPool2d|globalAvgPool2d): info must be an object or its packed Float64Array/);
      await expect(outcome(() => run((packed as Float64Array).subarray(0, 3)))).resolves.toMatch(/^TypeError: /);
    }
  });

  it('garbage in every argument of every function never crashes', async () => {
    const names = Object.keys(a).filter((k) => typeof a[k] === 'function' && !['info', 'getNumThreads'].includes(k));
    let calls = 0;
    for (const name of names) {
      for (const g of garbage) {
        for (let n = 0; n < 7; n++) {
          const args = Array.from({ length: 7 }, (_, i) => (i === n ? g : garbage[(i * 5 + n) % garbage.length]));
          try {
            const r = a[name](...args);
            if (r && typeof (r as Promise<unknown>).then === 'function') await (r as Promise<unknown>).catch(() => undefined);
          } catch (e) {
            expect(e instanceof TypeError || e instanceof RangeError, `${name}: ${String(e)}`).toBe(true);
          }
          calls++;
        }
      }
    }
    expect(calls).toBeGreaterThan(500);
  });
});
