// Projects: 'main' runs the whole suite (native at the best ISA level of this CPU); one more
// project per lower ISA level this machine has reruns the native conformance and parity
// tests with CONVKIT_ISA forced, so every kernel variant is checked here; 'timing' runs on its
// own afterwards (npm test runs it as a second step).
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
// Tests that measure time (event-loop lag, thread counts) run alone, after the rest, so other
// test files do not compete with them for the two cores.
const timingTests = ['test/robustness/event-loop.test.ts', 'test/robustness/threads.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    // Native outputs are uninitialized memory (lib/backend/native/output.ts); NaN-filled here,
    // so a kernel that leaves any element unwritten fails the conformance and parity tests.
    env: { CONVKIT_POISON_OUTPUTS: '1' },
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: timingTests } },
      // No poisoning here: NaN-filling a fresh 25 MB output on the JS thread is itself the
      // kind of event-loop stall the lag test is there to catch (measured 86-89 ms).
      { extends: true, test: { name: 'timing', include: timingTests, fileParallelism: false, env: { CONVKIT_POISON_OUTPUTS: '0' } } },
      ...lowerIsaLevels().map((isa) => ({
        extends: true,
        test: { name: `isa-${isa}`, include: isaTests, env: { CONVKIT_ISA: isa } },
      })),
    ],
  },
});
