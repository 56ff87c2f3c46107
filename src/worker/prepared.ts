// A worker's prepared programs, by program id: the engine reads a program's IR
// once (addon.prepare) and each later request runs it on its own data. `checked`
// records that the program passed the cost check (a run on shapes alone) under
// this process's limits; its shapes are part of the program, so the check
// holds for every later request and is not repeated.
import { deserialize } from 'node:v8';
import { LRUCache } from 'lru-cache';
import type { ProgramRef } from '../ir/program-ref.js';
import type { NativeAddon, NativePrepared } from '../native.js';

export interface PreparedEntry {
  program: NativePrepared;
  checked: boolean;
}

// Bounded: a handle holds the op list and constants, freed with the handle.
const cache = new LRUCache<number, PreparedEntry>({ max: 1024 });

export function prepared(addon: NativeAddon, ref: ProgramRef): PreparedEntry {
  let e = cache.get(ref.id);
  if (!e) {
    e = { program: addon.prepare(deserialize(Buffer.from(ref.ir, 'latin1'))), checked: false };
    cache.set(ref.id, e);
  }
  return e;
}
