// Issue 10 item 9: tensor names come from files and users, and "__proto__", "constructor" or
// "hasOwnProperty" are legal names. Saving must write them into the header, loading must
// return them as own entries of a prototype-free record, and loadStateDict must look up own
// keys only.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-keys-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NAMES = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'plain'];

/** A record with the tricky names as own keys (null prototype, so "__proto__" is a key). */
function trickyDict(): Record<string, InstanceType<typeof ck.Tensor>> {
  const dict: Record<string, InstanceType<typeof ck.Tensor>> = Object.create(null);
  NAMES.forEach((name, i) => { dict[name] = ck.full([2, i + 1], i + 0.5); });
  return dict;
}

describe('safetensors names that are Object.prototype members', () => {
  it('round-trip through a file as own keys of a prototype-free record', () => {
    const file = path.join(tmp, 'tricky.safetensors');
    ck.io.saveSafetensors(file, trickyDict());
    const back = ck.io.loadSafetensors(file);
    expect(Object.getPrototypeOf(back)).toBe(null);
    expect(Object.keys(back).sort()).toEqual([...NAMES].sort());
    NAMES.forEach((name, i) => {
      expect(Object.prototype.hasOwnProperty.call(back, name), name).toBe(true);
      expect(back[name].shape, name).toEqual([2, i + 1]);
      expect(Array.from(back[name].data), name).toEqual(new Array(2 * (i + 1)).fill(i + 0.5));
    });
  });

  it('an own "__proto__" key of an ordinary object (computed key) is saved too', () => {
    const file = path.join(tmp, 'own-proto.safetensors');
    const dict = { ['__proto__']: ck.ones([3]), w: ck.zeros([1]) };
    expect(Object.keys(dict)).toContain('__proto__');
    ck.io.saveSafetensors(file, dict);
    const back = ck.io.loadSafetensors(file);
    expect(Object.keys(back).sort()).toEqual(['__proto__', 'w']);
    expect(Array.from(back['__proto__'].data)).toEqual([1, 1, 1]);
  });

  it('a hand-written header with "__proto__" parses to an own entry, and metadata keys may be anything', () => {
    const json = Buffer.from('{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const buf = Buffer.alloc(8 + json.length + 4);
    buf.writeBigUInt64LE(BigInt(json.length), 0);
    json.copy(buf, 8);
    buf.writeFloatLE(7, 8 + json.length);
    const t = ck.io.parseSafetensors(buf);
    expect(Object.keys(t)).toEqual(['__proto__']);
    expect(t['__proto__']).toBeInstanceOf(ck.Tensor);
    expect(t['__proto__'].data[0]).toBe(7);
    const file = path.join(tmp, 'meta.safetensors');
    ck.io.saveSafetensors(file, { a: ck.ones([1]) }, JSON.parse('{"__proto__":"x","constructor":"y"}'));
    const header = JSON.parse(fs.readFileSync(file).subarray(8, 8 + Number(fs.readFileSync(file).readBigUInt64LE(0))).toString());
    expect(Object.keys(header.__metadata__).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('a dtype named after an Object.prototype member is an unsupported dtype', () => {
    const json = Buffer.from('{"w":{"dtype":"constructor","shape":[1],"data_offsets":[0,4]}}');
    const buf = Buffer.alloc(8 + json.length + 4);
    buf.writeBigUInt64LE(BigInt(json.length), 0);
    json.copy(buf, 8);
    expect(() => ck.io.parseSafetensors(buf)).toThrow(/dtype "constructor"; only F32, F16 and BF16/);
  });

  it('stateDict is prototype-free and loadStateDict uses own keys only', () => {
    const model = new ck.nn.Sequential(new ck.nn.Linear(2, 2));
    expect(Object.getPrototypeOf(model.stateDict())).toBe(null);
    // A weight that is only inherited is missing, not silently loaded.
    const inherited = Object.create({ '0.weight': ck.ones([2, 2]), '0.bias': ck.ones([2]) });
    expect(() => model.loadStateDict(inherited)).toThrow(/^loadStateDict: missing keys 0\.weight/);
    // A round trip through a file with the tricky names alongside the model's own.
    const file = path.join(tmp, 'model.safetensors');
    ck.io.saveSafetensors(file, model.stateDict());
    model.loadStateDict(ck.io.loadSafetensors(file));
  });
});
