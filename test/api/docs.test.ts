// Every export of the public surface has a doc comment, and so do its class members,
// constructors, interface fields, namespace-object properties and inline option fields
// (scripts/check-docs.js, TypeScript's compiler API over lib/index.ts). npm run docs (TypeDoc,
// notDocumented as an error) checks the same from the generator's side.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('API docs', () => {
  it('every public export, member and option field has a doc comment', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/check-docs.js')], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/none missing/);
  });
});
