// Output buffers for the native kernels, which overwrite every element they are given: no
// calloc zero-fill (a memset the size of the output, and with it page faults on fresh
// memory), just malloc'd bytes. CONVKIT_POISON_OUTPUTS=1 fills them with NaN instead, so the
// tests catch any kernel that leaves an element unwritten.
//
// Small outputs (up to SMALL_BYTES) are views carved from a shared slab, as Node's Buffer pool
// carves small Buffers: an ArrayBuffer of its own costs a backing-store allocation and its
// bookkeeping in the garbage collector, 1.1-2.6 us per output of 64 B - 1 KB, more than a tiny
// op's whole work (a 1x4x8x8 conv2d spent a quarter of its 5 us there). The slabs are marked
// untransferable (node:worker_threads): a caller posting such a tensor's buffer to a worker
// gets it copied, never detached under the other tensors of its slab. As with Node's Buffer
// pool (also 8 KB), a small tensor kept alive keeps its slab alive: at most 8 KB each (1x4x8x8
// conv2d: 2.5 us a call with 8 KB slabs, 2.45 with 64 KB).
//
// Every output starts on a 64-byte boundary (the addon tells where the buffer's memory starts:
// malloc gives 16-byte alignment, and a vector load or store across two cache lines costs two;
// a 14x14x384 depthwise layer ran 29.5-30.0 us from an input 16 bytes past a boundary, 23.3-23.5
// aligned). A backing store never moves, so the offset found once holds for the buffer's life.
import { markAsUntransferable } from 'node:worker_threads';

const poison = process.env.CONVKIT_POISON_OUTPUTS === '1';
const SMALL_BYTES = 1024;
const SLAB_BYTES = 8 * 1024;
const ALIGN = 64;

/** The native backend's output(n), for an addon that reports where a buffer's memory starts. */
export function makeOutput(misalignment: (buffer: ArrayBuffer) => number): (n: number) => Float32Array {
  // An ArrayBuffer of bytes + ALIGN bytes and the offset of its first 64-byte boundary.
  const aligned = (bytes: number): [ArrayBuffer, number] => {
    const ab = Buffer.allocUnsafeSlow(bytes + ALIGN).buffer as ArrayBuffer;
    return [ab, (ALIGN - misalignment(ab)) % ALIGN];
  };
  let slab: ArrayBuffer | null = null;
  let used = SLAB_BYTES, end = SLAB_BYTES;
  return (n: number): Float32Array => {
    if (n === 0) return new Float32Array(0);
    const bytes = n * 4;
    let y: Float32Array;
    if (bytes <= SMALL_BYTES) {
      if (used + bytes > end) {
        [slab, used] = aligned(SLAB_BYTES);
        end = used + SLAB_BYTES;
        markAsUntransferable(slab);
      }
      y = new Float32Array(slab!, used, n);
      used += (bytes + ALIGN - 1) & ~(ALIGN - 1);
    } else {
      const [ab, at] = aligned(bytes);
      y = new Float32Array(ab, at, n);
    }
    return poison ? y.fill(NaN) : y;
  };
}
