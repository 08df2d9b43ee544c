// A short soak (the full one is `npm run soak`): resident memory must not grow past 10 MB.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('soak', () => {
  it('20,000 small and 100 large calls, sync and async, grow RSS by less than 10 MB', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', path.resolve(__dirname, '../../scripts/soak.js'), '20000', '100', '10'], { encoding: 'utf8', timeout: 300_000 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    console.log(line);
    expect(r.status, r.stderr + line).toBe(0);
    expect(JSON.parse(line).growthMB).toBeLessThan(10);
  }, 300_000);
});
