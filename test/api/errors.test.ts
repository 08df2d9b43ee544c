// Issue 12 item 5: errors a user can act on, each the same on both backends.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { nearest } from '../../lib/check';
import { nativeRequired } from '../helpers/native';

// Both backends wherever the addon must be present (helpers/native.ts); ts alone otherwise.
const BACKENDS: ck.BackendName[] = ck.info().native.loaded || nativeRequired() ? ['ts', 'native'] : ['ts'];

/** Checks what was caught on each backend (BACKENDS order): errors of type with one message, matching pattern. */
function sameErrors(caught: unknown[], type: ErrorConstructor, pattern: RegExp | string, none: string): string {
  caught.forEach((e, i) => expect(e, `${BACKENDS[i]}: ${none}`).toBeInstanceOf(type));
  const messages = caught.map((e) => (e as Error).message);
  for (const m of messages) expect(m).toBe(messages[0]);
  expect(messages[0]).toMatch(pattern);
  return messages[0];
}

/** The message fn throws on each backend (all equal), checked against type and pattern. */
function sameOnBoth(fn: () => unknown, type: ErrorConstructor, pattern: RegExp | string): string {
  const before = ck.getBackend();
  const caught: unknown[] = [];
  try {
    for (const b of BACKENDS) {
      ck.setBackend(b);
      try { fn(); caught.push(undefined); } catch (e) { caught.push(e); }
    }
  } finally {
    ck.setBackend(before);
  }
  return sameErrors(caught, type, pattern, 'no error');
}

async function sameOnBothAsync(fn: () => Promise<unknown>, type: ErrorConstructor, pattern: RegExp): Promise<void> {
  const before = ck.getBackend();
  const caught: unknown[] = [];
  try {
    for (const b of BACKENDS) {
      ck.setBackend(b);
      caught.push(await fn().then(() => undefined, (e: unknown) => e));
    }
  } finally {
    ck.setBackend(before);
  }
  sameErrors(caught, type, pattern, 'no rejection');
}

describe('sizes too large to allocate', () => {
  it('zeros([1e5, 1e5, 100]) names the op and the shape', () => {
    for (const f of [() => ck.zeros([1e5, 1e5, 100]), () => ck.ones([1e5, 1e5, 100]), () => ck.full([1e5, 1e5, 100], 2), () => ck.rand([1e5, 1e5, 100]), () => ck.randn([1e5, 1e5, 100])]) {
      const m = sameOnBoth(f, RangeError, /^(zeros|ones|full|rand|randn): shape \[100000, 100000, 100\] has 1000000000000 elements \(3\.6 TiB as float32\), more than can be allocated$/);
      expect(m).not.toMatch(/Invalid typed array length/);
    }
  });

  it('conv2d with padding 1e9 names the op, the output and the inputs', async () => {
    const x = ck.ones([1, 3, 8, 8]);
    const w = ck.ones([8, 3, 3, 3]);
    const pattern = /^conv2d(Async)?: the output \[1, 8, 2000000006, 2000000006\] has 3\.20e\+19 elements .*more than can be allocated \(x \[1, 3, 8, 8\], w \[8, 3, 3, 3\], stride \[1, 1\], padding \[1000000000, 1000000000, 1000000000, 1000000000\]/;
    sameOnBoth(() => ck.conv2d(x, w, { padding: 1e9 }), RangeError, pattern);
    await sameOnBothAsync(() => ck.conv2dAsync(x, w, { padding: 1e9 }), RangeError, pattern);
    sameOnBoth(() => ck.conv2dOutputShape([1, 3, 8, 8], [8, 3, 3, 3], { padding: 1e9 }), RangeError, /^conv2dOutputShape: the output \[1, 8, 2000000006, 2000000006\]/);
    // Within 2^53 elements but past any Float32Array.
    sameOnBoth(() => ck.conv2d(x, w, { padding: 1e5 }), RangeError, /^conv2d: the output \[1, 8, 200006, 200006\] has 320019200288 elements \(1\.2 TiB as float32\), more than can be allocated/);
  });

  it('gemm and matmul say the same', () => {
    const a = ck.ones([1e6, 1]);
    const b = ck.ones([1, 1e6]);
    sameOnBoth(() => ck.gemm(a, b), RangeError, /^gemm: the output \[1000000, 1000000\] has 1000000000000 elements \(3\.6 TiB as float32\), more than can be allocated \(a \[1000000, 1\], b \[1, 1000000\]\)$/);
    sameOnBoth(() => ck.matmul(a, b), RangeError, /^matmul: the output \[1000000, 1000000\] has 1000000000000 elements/);
  });
});

describe('unknown option keys', () => {
  const x = ck.ones([1, 1, 4, 4]);
  const w = ck.ones([1, 1, 3, 3]);

  it('conv2d: unknown option "pad" (did you mean "padding"?)', async () => {
    sameOnBoth(() => ck.conv2d(x, w, { pad: 1 } as never), TypeError, /^conv2d: unknown option "pad" \(did you mean "padding"\?\)$/);
    await sameOnBothAsync(() => ck.conv2dAsync(x, w, { strides: 2 } as never), TypeError, /^conv2dAsync: unknown option "strides" \(did you mean "stride"\?\)$/);
    sameOnBoth(() => ck.conv2dBackward(ck.ones([1, 1, 2, 2]), x, w, { output: ['dx'] } as never), TypeError, /^conv2dBackward: unknown option "output" \(did you mean "outputs"\?\)$/);
    // Forward options are accepted by the backward as they are.
    expect(ck.conv2dBackward(ck.ones([1, 1, 2, 2]), x, w, { bias: ck.ones([1]), activation: 'none', outputs: ['dx'] }).dx!.shape).toEqual([1, 1, 4, 4]);
  });

  it('a name far from every option lists the valid ones', () => {
    sameOnBoth(() => ck.conv2d(x, w, { foo: 1 } as never), TypeError, /^conv2d: unknown option "foo" \(valid options: stride, padding, dilation, groups, layout, activation, bias, residual, precision\)$/);
  });

  it('every op with options checks its keys', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => ck.maxPool2d(x, { kernel: 2, ceil_mode: true } as never), /^maxPool2d: unknown option "ceil_mode" \(did you mean "ceilMode"\?\)$/],
      [() => ck.avgPool2d(x, { kernel: 2, count_include_pad: true } as never), /^avgPool2d: unknown option "count_include_pad" \(did you mean "countIncludePad"\?\)$/],
      [() => ck.maxPool2dBackward(ck.ones([1, 1, 2, 2]), x, { kernel_size: 2 } as never), /^maxPool2dBackward: unknown option "kernel_size" \(did you mean "kernel"\?\)$/],
      [() => ck.globalAvgPool2d(x, { layuot: 'nchw' } as never), /^globalAvgPool2d: unknown option "layuot" \(did you mean "layout"\?\)$/],
      [() => ck.filter2d(ck.ones([4, 4]), ck.filters.box(3), { mod: 'correlation' } as never), /^filter2d: unknown option "mod" \(did you mean "mode"\?\)$/],
      [() => ck.gemm(ck.ones([2, 2]), ck.ones([2, 2]), { transposeA: true } as never), /^gemm: unknown option "transposeA" \(valid options: transA, transB, alpha, beta, c, precision\)$/],
      [() => ck.convOutputSize(8, 3, { pading: 1 } as never), /^convOutputSize: unknown option "pading" \(did you mean "padding"\?\)$/],
      [() => ck.conv2dOutputShape([1, 1, 4, 4], [1, 1, 3, 3], { dilations: 1 } as never), /^conv2dOutputShape: unknown option "dilations" \(did you mean "dilation"\?\)$/],
      [() => ck.pool2dOutputShape([1, 1, 4, 4], { kernel: 2, strid: 1 } as never), /^pool2dOutputShape: unknown option "strid" \(did you mean "stride"\?\)$/],
      [() => ck.conv2dParamCount(1, 1, 3, { group: 1 } as never), /^conv2dParamCount: unknown option "group" \(did you mean "groups"\?\)$/],
      [() => ck.rand([2], { sed: 1 } as never), /^rand: unknown option "sed" \(did you mean "seed"\?\)$/],
      [() => ck.image.tile(ck.ones([2, 2, 2]), { cols: 2 } as never), /^image\.tile: unknown option "cols" \(valid options: columns\)$/],
      [() => ck.image.writePng('/nonexistent/x.png', ck.ones([2, 2]), { normalise: true } as never), /^image\.writePng: unknown option "normalise" \(did you mean "normalize"\?\)$/],
      [() => ck.image.readPng('/nonexistent.png', { maxPixel: 1 } as never), /^image\.readPng: unknown option "maxPixel" \(did you mean "maxPixels"\?\)$/],
      [() => new ck.nn.Conv2d(1, 1, 3, { padding_mode: 'zeros' } as never), /^nn\.Conv2d: unknown option "padding_mode" \(did you mean "padding"\?\)$/],
      [() => new ck.nn.Linear(2, 2, { bais: false } as never), /^nn\.Linear: unknown option "bais" \(did you mean "bias"\?\)$/],
      [() => new ck.nn.MaxPool2d(2, { kernel: 2 } as never), /^nn\.MaxPool2d: unknown option "kernel" \(valid options: stride, padding, dilation, ceilMode, countIncludePad, layout\)$/],
      [() => new ck.nn.AvgPool2d(2, { stide: 2 } as never), /^nn\.AvgPool2d: unknown option "stide" \(did you mean "stride"\?\)$/],
      [() => new ck.nn.GlobalAvgPool2d({ layot: 'nhwc' } as never), /^nn\.GlobalAvgPool2d: unknown option "layot" \(did you mean "layout"\?\)$/],
      [() => new ck.optim.SGD(new ck.nn.Linear(2, 2).parameters(), { lr: 0.1, weight_decay: 1e-4 } as never), /^optim\.SGD: unknown option "weight_decay" \(did you mean "weightDecay"\?\)$/],
      [() => new ck.optim.Adam(new ck.nn.Linear(2, 2).parameters(), { lr: 0.1, beta: [0.9, 0.99] } as never), /^optim\.Adam: unknown option "beta" \(did you mean "betas"\?\)$/],
    ];
    for (const [f, pattern] of cases) sameOnBoth(f, TypeError, pattern);
  });

  it('suggests only close names', () => {
    expect(nearest('pad', ['stride', 'padding'])).toBe('padding');
    expect(nearest('Stride', ['stride', 'padding'])).toBe('stride');
    expect(nearest('momentun', ['lr', 'momentum'])).toBe('momentum');
    expect(nearest('xyz', ['stride', 'padding'])).toBeUndefined();
    expect(nearest('lr', ['eps'])).toBeUndefined();
  });
});

describe('maxPool2d without options', () => {
  it('says that kernel is required', async () => {
    const x = ck.ones([1, 1, 4, 4]);
    sameOnBoth(() => (ck.maxPool2d as (x: ck.Tensor) => ck.Tensor)(x), TypeError, /^maxPool2d: the kernel option is required, e\.g\. maxPool2d\(x, \{ kernel: 2 \}\)$/);
    sameOnBoth(() => ck.avgPool2d(x, {} as never), TypeError, /^avgPool2d: the kernel option is required/);
    await sameOnBothAsync(() => (ck.maxPool2dAsync as (x: ck.Tensor) => Promise<ck.Tensor>)(x), TypeError, /^maxPool2dAsync: the kernel option is required/);
  });
});

describe('files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-errors-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('image.readPng on a missing file names the path and the problem', () => {
    const file = path.join(dir, 'missing.png');
    let caught: NodeJS.ErrnoException | undefined;
    try { ck.image.readPng(file); } catch (e) { caught = e as NodeJS.ErrnoException; }
    expect(caught?.message).toBe(`image.readPng: ${file}: ENOENT: no such file or directory, open '${file}'`);
    expect(caught?.code).toBe('ENOENT');
  });

  it('image.readPng on a file that is not a PNG says so', () => {
    const text = path.join(dir, 'notes.png');
    fs.writeFileSync(text, 'hello, world');
    expect(() => ck.image.readPng(text)).toThrow(new RangeError(`image.readPng: ${text}: not a PNG file (no PNG signature: it starts with 68 65 6c 6c 6f 2c 20 77, a PNG with 89 50 4e 47 0d 0a 1a 0a)`));
    const empty = path.join(dir, 'empty.png');
    fs.writeFileSync(empty, '');
    expect(() => ck.image.readPng(empty)).toThrow(`image.readPng: ${empty}: not a PNG file (no PNG signature: the file is empty`);
    const short = path.join(dir, 'short.png');
    fs.writeFileSync(short, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    expect(() => ck.image.readPng(short)).toThrow(`image.readPng: ${short}: the PNG file is truncated (10 bytes, too short for its IHDR header)`);
  });

  it('io.loadSafetensors on a file that is not safetensors says so', () => {
    const png = path.join(dir, 'picture.png');
    ck.image.writePng(png, ck.ones([2, 2]));
    let caught: unknown;
    try { ck.io.loadSafetensors(png); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(RangeError);
    expect((caught as Error).message).toMatch(new RegExp(`^io\\.loadSafetensors: ${png.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a safetensors file: no JSON header after the header length; it starts with 89 50 4e 47 0d 0a 1a 0a 00 \\(a PNG image\\)`));
    expect((caught as Error).message).not.toMatch(/exceeds/);
    const zip = path.join(dir, 'model.pt');
    fs.writeFileSync(zip, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(60)]));
    expect(() => ck.io.loadSafetensors(zip)).toThrow(/not a safetensors file: .*\(a zip archive: PyTorch saves \.pt\/\.pth this way/);
    const tiny = path.join(dir, 'tiny.safetensors');
    fs.writeFileSync(tiny, 'abc');
    expect(() => ck.io.loadSafetensors(tiny)).toThrow(/not a safetensors file: the file is 3 bytes, shorter than the 8-byte header length; it starts with 61 62 63/);
  });

  it('io.loadSafetensorsWithMetadata returns what saveSafetensors wrote', () => {
    const file = path.join(dir, 'w.safetensors');
    ck.io.saveSafetensors(file, { w: ck.ones([2, 3]) }, { model: 'lenet5', epochs: '3' });
    const { tensors, metadata } = ck.io.loadSafetensorsWithMetadata(file);
    expect({ ...metadata }).toEqual({ model: 'lenet5', epochs: '3' });
    expect(Object.keys(tensors)).toEqual(['w']);
    expect(tensors.w.shape).toEqual([2, 3]);
    // loadSafetensors itself is unchanged: tensors only.
    expect(Object.keys(ck.io.loadSafetensors(file))).toEqual(['w']);
    ck.io.saveSafetensors(file, { w: ck.ones([1]) });
    expect({ ...ck.io.loadSafetensorsWithMetadata(file).metadata }).toEqual({});
  });
});

describe('nn.Sequential', () => {
  it('a shape error names the layer', async () => {
    const model = new ck.nn.Sequential(new ck.nn.Conv2d(1, 2, 3), new ck.nn.ReLU(), new ck.nn.Flatten(), new ck.nn.Linear(10, 4));
    const x = ck.ones([1, 1, 5, 5]);  // flattens to 18 features, not 10
    const pattern = /^nn\.Sequential\[3\] \(Linear\): linear: x has 18 features but w expects 10 \(x \[1, 18\], w \[4, 10\]\)$/;
    const m = sameOnBoth(() => model.forward(x), RangeError, pattern);
    await sameOnBothAsync(() => model.forwardAsync(x), RangeError, new RegExp(`^${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(() => model.outputShape([1, 1, 5, 5])).toThrow(/^nn\.Sequential\[3\] \(Linear\): nn\.Linear: input \[1, 18\] must end in 10 features$/);
    const bad = new ck.nn.Sequential(new ck.nn.Conv2d(3, 2, 3));
    sameOnBoth(() => bad.forward(x), RangeError, /^nn\.Sequential\[0\] \(Conv2d\): conv2d: x has 1 channels but w expects 3/);
  });
});

describe('printing a tensor', () => {
  it('String(t) shows the values as PyTorch prints them, then the shape', () => {
    expect(String(ck.tensor([[1, 2], [3, 4]]))).toBe('tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2])');
    expect(String(ck.tensor([[1.5, -2], [3, 4]]))).toBe('tensor([[ 1.5000, -2.0000],\n        [ 3.0000,  4.0000]], shape=[2, 2])');
    expect(String(ck.tensor(3.25))).toBe('tensor(3.2500, shape=[])');
    expect(String(ck.zeros([0, 3]))).toBe('tensor([], shape=[0, 3])');
    expect(String(ck.tensor([1e-6, 1, 1e9]))).toBe('tensor([1.0000e-06, 1.0000e+00, 1.0000e+09], shape=[3])');
    expect(String(ck.tensor([NaN, Infinity, -1]))).toBe('tensor([nan, inf, -1.], shape=[3])');
    expect(String(ck.ones([2, 1, 2]))).toBe('tensor([[[1., 1.]],\n\n        [[1., 1.]]], shape=[2, 1, 2])');
  });

  it('truncates a big tensor to the first and last 3 of each dimension', () => {
    const t = ck.tensor(Array.from({ length: 2000 }, (_, i) => i), [40, 50]);
    const lines = String(t).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('tensor([[   0.,    1.,    2., ...,   47.,   48.,   49.],');
    expect(lines[3]).toBe('        ...,');
    expect(lines[6]).toBe('        [1950., 1951., 1952., ..., 1997., 1998., 1999.]], shape=[40, 50])');
  });

  it('console.log and util.inspect print the same', () => {
    const t = ck.tensor([[1, 2], [3, 4]]);
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ t })).toContain('tensor([[1., 2.],');
  });
});

describe('filter2d on a rank-3 image', () => {
  it("defaults to layout 'nhwc', the layout image.readPng returns", () => {
    // [H, W, C] = [3, 4, 2]: channel 0 all ones, channel 1 all twos.
    const img = new ck.Tensor(Float32Array.from({ length: 24 }, (_, i) => 1 + (i % 2)), [3, 4, 2]);
    for (const b of BACKENDS) {
      ck.setBackend(b);
      const y = ck.filter2d(img, ck.filters.box(3), { padding: 'valid' });
      expect(y.shape).toEqual([1, 2, 2]);
      expect(Array.from(y.data).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([1, 2, 1, 2]);
      expect(ck.filter2d(img, ck.filters.box(3)).toArray()).toEqual(ck.filter2d(img, ck.filters.box(3), { layout: 'nhwc' }).toArray());
      // [C, H, W] still works when asked for.
      expect(ck.filter2d(ck.ones([2, 4, 4]), ck.filters.box(3), { layout: 'nchw', padding: 'valid' }).shape).toEqual([2, 2, 2]);
    }
  });
});

describe('examples/train-mnist', () => {
  const script = path.resolve(__dirname, '../../examples/train-mnist/index.js');
  it('--help prints every option and exits 0', () => {
    const r = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    for (const name of ['backend', 'epochs', 'batch', 'optimizer', 'lr', 'lrDecay', 'momentum', 'augment', 'seed', 'threads', 'out', 'quiet', 'help']) {
      expect(r.stdout).toContain(`--${name}`);
    }
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    for (const name of ['backend', 'epochs', 'batch', 'optimizer', 'lr', 'lrDecay', 'momentum', 'augment', 'seed', 'threads', 'out', 'quiet', 'help']) {
      expect(readme).toContain(`--${name}`);
    }
  });

  it('a bad option prints the problem and the usage, not a stack trace', () => {
    const r = spawnSync(process.execPath, [script, '--epoch', '2'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^train-mnist: unknown option --epoch\n\n.*usage:/s);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const n = spawnSync(process.execPath, [script, '--epochs', 'five'], { encoding: 'utf8' });
    expect(n.status).toBe(2);
    expect(n.stderr).toMatch(/^train-mnist: --epochs must be a number, got "five"/);
  });
});
