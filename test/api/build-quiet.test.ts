// npm commands in this repository print no configuration warnings (the .npmrc that set an
// onnxruntime-node option did), and the x86 kernels compile without warnings at the flags
// the addon uses (GCC 12 used to print about 128 -Wmaybe-uninitialized from the AVX-512
// intrinsics headers; native/src/util/x86-intrinsics.h silences that compiler bug only).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const sources = JSON.parse(fs.readFileSync(path.join(root, 'native/sources.json'), 'utf8')) as Record<'avx512' | 'avx512bf16' | 'avx512vnni' | 'avx2', string[]> & { flags: Record<'avx512' | 'avx512bf16' | 'avx512vnni' | 'avx2', string[]> };
const gxx = spawnSync('g++', ['--version'], { encoding: 'utf8' }).status === 0;

describe('a quiet build', () => {
  it('npm prints no config warnings here', () => {
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['config', 'get', 'registry'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/warn/i);
  });

  it.runIf(gxx && process.arch === 'x64')('the AVX-512, AVX512_BF16 and AVX2 kernels compile with -Wall -Wextra and no warning', () => {
    const out = path.join(os.tmpdir(), `convkit-quiet-${process.pid}.o`);
    const failures: string[] = [];
    for (const isa of ['avx512', 'avx512bf16', 'avx512vnni', 'avx2'] as const) {
      for (const file of sources[isa]) {
        const r = spawnSync('g++', ['-std=c++17', '-O3', '-fPIC', '-Wall', '-Wextra', '-Werror', ...sources.flags[isa],
          '-I', path.join(root, 'native/include'), '-I', path.join(root, 'native/src'), '-c', path.join(root, file), '-o', out], { encoding: 'utf8' });
        if (r.status !== 0) failures.push(`${file}: ${r.stderr.split('\n').find((l) => l.includes('warning') || l.includes('error')) ?? r.stderr.slice(0, 300)}`);
      }
    }
    fs.rmSync(out, { force: true });
    expect(failures).toEqual([]);
  }, 300_000);
});
