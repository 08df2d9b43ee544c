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
