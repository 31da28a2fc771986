// deno-fmt-ignore-file
// deno-lint-ignore-file
// The denative arena runtime for AssemblyScript plugins: a bump allocator
// (AssemblyScript's `stub` runtime) that the kit rewinds at the start of each
// ABI call. Everything a call allocates (the parsed request, the rendered
// objects, the output buffer) is garbage once the host has copied the output,
// so rewinding replaces garbage collection and costs nothing per object.
//
// Use it with `asc … --runtime <kit>/assembly/arena`. Rule for plugin authors:
// heap objects created during a call must not be kept in globals for a later
// call (globals set up at top level, before the first call, are safe).
import {
  AL_MASK,
  BLOCK,
  BLOCK_MAXSIZE,
  BLOCK_OVERHEAD,
  OBJECT,
  OBJECT_MAXSIZE,
  OBJECT_OVERHEAD,
} from "rt/common";

// @ts-ignore: decorator
@lazy let startOffset: usize = ((__heap_base + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) -
  BLOCK_OVERHEAD;
// @ts-ignore: decorator
@lazy let offset: usize = startOffset;
// Where the arena starts: the offset after the module's start function, taken
// at the first rewind (0 until then).
// @ts-ignore: decorator
@lazy let arenaStart: usize = 0;

function maybeGrowMemory(newOffset: usize): void {
  // assumes newOffset is aligned
  let pagesBefore = memory.size();
  let maxOffset = ((<usize> pagesBefore << 16) + AL_MASK) & ~AL_MASK;
  if (newOffset > maxOffset) {
    let pagesNeeded = <i32> (((newOffset - maxOffset + 0xffff) & ~0xffff) >>> 16);
    let pagesWanted = max(pagesBefore, pagesNeeded); // double memory
    if (memory.grow(pagesWanted) < 0) {
      if (memory.grow(pagesNeeded) < 0) unreachable(); // out of memory (the host's cap)
    }
  }
  offset = newOffset;
}

// @ts-ignore: decorator
@inline function computeSize(size: usize): usize {
  return ((size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
}

/** Rewinds the arena: frees everything allocated since the first rewind. */
// @ts-ignore: decorator
@unsafe @global
export function __arena_rewind(): void {
  if (arenaStart == 0) arenaStart = offset;
  else offset = arenaStart;
}

/** Bytes currently allocated in the arena (for tests and diagnostics). */
// @ts-ignore: decorator
@unsafe @global
export function __arena_used(): usize {
  return arenaStart == 0 ? 0 : offset - arenaStart;
}

// @ts-ignore: decorator
@unsafe @global
export function __alloc(size: usize): usize {
  if (size > BLOCK_MAXSIZE) unreachable();
  let block = changetype<BLOCK>(offset);
  let ptr = offset + BLOCK_OVERHEAD;
  let payloadSize = computeSize(size);
  maybeGrowMemory(ptr + payloadSize);
  block.mmInfo = payloadSize;
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __realloc(ptr: usize, size: usize): usize {
  let block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  let actualSize = block.mmInfo;
  let isLast = ptr + actualSize == offset;
  let payloadSize = computeSize(size);
  if (size > actualSize) {
    if (isLast) { // last block: grow in place
      if (size > BLOCK_MAXSIZE) unreachable();
      maybeGrowMemory(ptr + payloadSize);
      block.mmInfo = payloadSize;
    } else { // copy to a new block at least double the size
      let newPtr = __alloc(max<usize>(payloadSize, actualSize << 1));
      memory.copy(newPtr, ptr, actualSize);
      ptr = newPtr;
    }
  } else if (isLast) { // last block: shrink
    offset = ptr + payloadSize;
    block.mmInfo = payloadSize;
  }
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __free(ptr: usize): void {
  let block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  if (ptr + block.mmInfo == offset) { // last block: discard
    offset = changetype<usize>(block);
  }
}

// @ts-ignore: decorator
@unsafe @global
export function __reset(): void {
  offset = arenaStart == 0 ? startOffset : arenaStart;
}

// @ts-ignore: decorator
@unsafe @global
export function __new(size: usize, id: u32): usize {
  if (size > OBJECT_MAXSIZE) unreachable();
  let ptr = __alloc(OBJECT_OVERHEAD + size);
  let object = changetype<OBJECT>(ptr - BLOCK_OVERHEAD);
  object.gcInfo = 0;
  object.gcInfo2 = 0;
  object.rtId = id;
  object.rtSize = <u32> size;
  return ptr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@unsafe @global
export function __renew(oldPtr: usize, size: usize): usize {
  if (size > OBJECT_MAXSIZE) unreachable();
  let newPtr = __realloc(oldPtr - OBJECT_OVERHEAD, OBJECT_OVERHEAD + size);
  changetype<OBJECT>(newPtr - BLOCK_OVERHEAD).rtSize = <u32> size;
  return newPtr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __link(_parentPtr: usize, _childPtr: usize, _expectMultiple: bool): void {}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize {
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __unpin(_ptr: usize): void {}

// @ts-ignore: decorator
@global @unsafe
function __visit(_ptr: usize, _cookie: u32): void {}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {}
