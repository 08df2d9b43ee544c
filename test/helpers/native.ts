// Where the addon must be present: on CI and on any x86-64/arm64 Linux or macOS machine
// where `npm install` built it. Set CONVKIT_ALLOW_TS_ONLY=1 to run on ts alone.
export function nativeRequired(): boolean {
  return process.env.CONVKIT_ALLOW_TS_ONLY !== '1';
}
