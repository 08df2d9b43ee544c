// Loads the compiled addon once. A failure is recorded, never thrown: the package then
// runs on the ts backend and info() says why. CONVKIT_ADDON_PATH loads a .node file built
// elsewhere instead of the one `bindings` finds (the sanitizer build, scripts/sanitize.js).
import * as path from 'node:path';
import type { Addon } from './addon-types';

let cached: { addon: Addon | null; error?: string } | undefined;

export function loadAddon(): { addon: Addon | null; error?: string } {
  if (cached) return cached;
  if (process.env.CONVKIT_DISABLE_NATIVE === '1') {
    cached = { addon: null, error: 'disabled by CONVKIT_DISABLE_NATIVE=1' };
    return cached;
  }
  const explicit = process.env.CONVKIT_ADDON_PATH;
  try {
    if (explicit) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = { addon: require(path.resolve(explicit)) as Addon };
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bindings = require('bindings') as (name: string) => unknown;
      cached = { addon: bindings('convkit') as Addon };
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    cached = { addon: null, error: `the native addon could not be loaded: ${msg} (run "npm run build:addon" to build it)` };
  }
  return cached;
}
