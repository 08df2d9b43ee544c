// npm commands in this repository print no configuration warnings (the .npmrc that set an
// onnxruntime-node option did), and the kernels compile without warnings at the flags the addon
// uses (GCC 12 used to print about 128 -Wmaybe-uninitialized from the AVX-512 intrinsics
// headers; native/src/util/x86-intrinsics.h silences that compiler bug only). The compile check
// is the core build itself: `npm test` builds build-core/ first (scripts/build-core.js) with
// -Wall -Wextra -Werror, so a warning stops it; this test checks from build-core's
// compile_commands.json that every source was built that way, at -O3 with its ISA's flags.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const sources = JSON.parse(fs.readFileSync(path.join(root, 'native/sources.json'), 'utf8')) as Record<'core' | 'avx512' | 'avx512bf16' | 'avx512vnni' | 'avx2', string[]> & { flags: Record<'avx512' | 'avx512bf16' | 'avx512vnni' | 'avx2', string[]> };

describe('a quiet build', () => {
  it('npm prints no config warnings here', () => {
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['config', 'get', 'registry'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/warn/i);
  });

  // x86-64 outside Windows: where CMakeLists.txt adds -Wall -Wextra (not under MSVC) and the x86 kernels are built.
  it.runIf(process.arch === 'x64' && process.platform !== 'win32')('every core source, the x86 kernels with their ISA flags, compiled at -O3 with -Wall -Wextra -Werror', () => {
    const db = path.join(root, 'build-core', 'compile_commands.json');
    expect(fs.existsSync(db), `${db}: run npm test (it builds build-core/ first) or node scripts/build-core.js`).toBe(true);
    const commands = new Map<string, string[]>();
    for (const e of JSON.parse(fs.readFileSync(db, 'utf8')) as { file: string; command: string }[]) {
      commands.set(path.resolve(e.file), e.command.split(/\s+/));
    }
    const missing: string[] = [];
    const levels = [['core', []], ...(['avx512', 'avx512bf16', 'avx512vnni', 'avx2'] as const).map((isa) => [isa, sources.flags[isa]])] as [keyof typeof sources, string[]][];
    for (const [level, flags] of levels) {
      for (const file of sources[level] as string[]) {
        const args = commands.get(path.join(root, file));
        const want = ['-O3', '-Wall', '-Wextra', '-Werror', ...flags];
        if (args === undefined) missing.push(`${file}: not in ${db}`);
        else for (const f of want) if (!args.includes(f)) missing.push(`${file}: no ${f}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
