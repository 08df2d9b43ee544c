// Loads the compiled addon once. A failure is recorded, never thrown: the package then
// runs on the ts backend and info() says why.
import type { Addon } from './addon-types';

let cached: { addon: Addon | null; error?: string } | undefined;

export function loadAddon(): { addon: Addon | null; error?: string } {
  if (cached) return cached;
  if (process.env.CONVKIT_DISABLE_NATIVE === '1') {
    cached = { addon: null, error: 'disabled by CONVKIT_DISABLE_NATIVE=1' };
    return cached;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bindings = require('bindings') as (name: string) => unknown;
    cached = { addon: bindings('convkit') as Addon };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    cached = { addon: null, error: `the native addon could not be loaded: ${msg} (run "npm run build:addon" to build it)` };
  }
  return cached;
}
