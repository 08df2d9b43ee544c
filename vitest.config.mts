// Projects: 'main' runs the whole suite (native at the best ISA level of this CPU); one more
// project per lower ISA level this machine has reruns the native conformance and parity
// tests with CONVKIT_ISA forced, so every kernel variant is checked here.
import * as fs from 'node:fs';
import { defineConfig } from 'vitest/config';

function lowerIsaLevels(): string[] {
  if (process.arch !== 'x64') return ['scalar'];
  let flags = '';
  try { flags = fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* not Linux: assume AVX2 */ flags = 'avx2'; }
  const levels = ['scalar'];
  if (/\bavx2\b/.test(flags) && /\bfma\b/.test(flags) && /\bavx512f\b/.test(flags)) levels.unshift('avx2');
  return levels;
}

const isaTests = ['test/conformance/**/*.test.ts', 'test/parity/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'] } },
      ...lowerIsaLevels().map((isa) => ({
        extends: true,
        test: { name: `isa-${isa}`, include: isaTests, env: { CONVKIT_ISA: isa } },
      })),
    ],
  },
});
