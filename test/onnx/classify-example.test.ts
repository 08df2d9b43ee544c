// examples/classify end to end (it runs the built package, dist/): a model and the sample image
// in, the top-k lines out.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');

describe('examples/classify', () => {
  it('prints the top 3 classes of the sample image with the fixture mobilenet_v2', () => {
    const out = execFileSync(process.execPath, ['examples/classify', 'test/fixtures/onnx/mobilenet_v2-op13.onnx', 'examples/classify/sample.png', '--top', '3'], { cwd: root, encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^mobilenet_v2-op13\.onnx on sample\.png \(64x64, [\d.]+ ms, backend (native|ts)\)$/);
    expect(lines.slice(1)).toHaveLength(3);
    for (const l of lines.slice(1)) expect(l).toMatch(/^\s+\d+\.\d\d%\s+class \d$/);
  });

  it('names a missing model file in one line and exits 1', () => {
    let status = 0, stderr = '';
    try {
      execFileSync(process.execPath, ['examples/classify', 'nope.onnx'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = (err as { stderr: string }).stderr;
    }
    expect(status).toBe(1);
    expect(stderr.trim()).toBe('onnx.load: cannot read nope.onnx (ENOENT)');
  });
});
