// Loads the compiled addon once. A failure is recorded, never thrown: the package then runs
// on the ts backend and info() says why and what fixes it. Where it comes from, in order:
//   CONVKIT_ADDON_PATH   a .node file built elsewhere (the sanitizer build, scripts/sanitize.js)
//   build/Release        built from source (`npx convkit-build-addon` in a project that
//                        installed convkit; `npm run build` in this repository)
//   prebuilds/<platform>-<arch>   the binaries shipped in the package (scripts/prebuild.js)
// node-gyp-build does the lookup, as for most native packages.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Addon } from './addon-types';

export interface LoadedAddon {
  addon: Addon | null;
  /** 'prebuilt' (prebuilds/ in the package), 'built' (from source) or 'path' (CONVKIT_ADDON_PATH). */
  source?: 'prebuilt' | 'built' | 'path';
  /** The file loaded, or the one that failed to load. */
  path?: string;
  /** Why nothing loaded, with the command that fixes it. */
  error?: string;
}

let cached: LoadedAddon | undefined;

/** The package root: dist/backend/native/ (built) or lib/backend/native/ (tests) up three. */
export const packageRoot = path.resolve(__dirname, '..', '..', '..');

const FIX = 'npx convkit-build-addon (needs python3, make and a C++17 compiler)';

function describeFailure(file: string | undefined, e: unknown): string {
  const msg = e instanceof Error ? e.message.trim().replace(/\s+/g, ' ') : String(e);
  const where = `${os.platform()}-${os.arch()}`;
  if (file === undefined) {
    return `no native addon for ${where} in ${packageRoot} (no prebuilds/${where}, no build/Release): ${msg}. To build one: ${FIX}`;
  }
  return `the native addon ${file} failed to load: ${msg}. To build one for this machine: ${FIX}`;
}

export function loadAddon(): LoadedAddon {
  if (cached) return cached;
  if (process.env.CONVKIT_DISABLE_NATIVE === '1') {
    cached = { addon: null, error: 'disabled by CONVKIT_DISABLE_NATIVE=1' };
    return cached;
  }
  const explicit = process.env.CONVKIT_ADDON_PATH;
  let file: string | undefined;
  let source: LoadedAddon['source'];
  try {
    if (explicit) {
      file = path.resolve(explicit);
      source = 'path';
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const gypBuild = require('node-gyp-build') as { resolve(dir: string): string };
      file = gypBuild.resolve(packageRoot);
      source = path.relative(packageRoot, file).split(path.sep)[0] === 'prebuilds' ? 'prebuilt' : 'built';
    }
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = { addon: require(file) as Addon, source, path: file };
  } catch (e) {
    cached = { addon: null, path: file, error: describeFailure(file, e) };
  }
  return cached;
}
