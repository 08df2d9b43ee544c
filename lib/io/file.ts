// File access for the loaders and writers: positioned reads and writes in bounded pieces (no
// whole-file buffer, so files over Node's 2 GiB readFile limit work), and system errors that
// name the op and the path while keeping Node's `code` (ENOENT, EISDIR, EACCES, EIO, ...).
import * as fs from 'node:fs';

/** The largest piece read or written at once: bounds the temporary memory of a conversion. */
export const CHUNK = 64 * 1024 * 1024;

export interface FileError extends Error { code?: string; errno?: number; syscall?: string; path?: string }

/** "<op>: <path>: <system message>", with code/errno/syscall/path copied and the original as cause. */
export function fileError(op: string, path: string, e: unknown): FileError {
  const sys = e as NodeJS.ErrnoException;
  const err: FileError = new Error(`${op}: ${path}: ${sys && typeof sys.message === 'string' ? sys.message : String(e)}`, { cause: e });
  if (sys && typeof sys === 'object') {
    if (sys.code !== undefined) err.code = sys.code;
    if (sys.errno !== undefined) err.errno = sys.errno;
    if (sys.syscall !== undefined) err.syscall = sys.syscall;
  }
  err.path = path;
  return err;
}

/** Runs fn with the system errors it throws turned into fileError(op, path, ...). */
export function withFileErrors<T>(op: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e && typeof e === 'object' && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall) {
      throw fileError(op, path, e);
    }
    throw e;
  }
}

/**
 * Fills target[offset, offset + length) from the file at `position` (a number: exact up to
 * 2^53). Returns the count read, less than length only at the end of the file.
 */
export function readAt(fd: number, target: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, target, offset + done, Math.min(CHUNK, length - done), position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Writes all of bytes at the file's current position (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, Math.min(CHUNK, bytes.length - done));
}
