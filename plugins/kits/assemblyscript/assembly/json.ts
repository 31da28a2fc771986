// A small JSON value type, parser and serializer for AssemblyScript plugins
// (AssemblyScript has no built-in JSON). Object keys keep their order.

export const NULL: i32 = 0;
export const BOOL: i32 = 1;
export const NUM: i32 = 2;
export const STR: i32 = 3;
export const ARR: i32 = 4;
export const OBJ: i32 = 5;

// Scalars share these (never written: only arrays and objects get their own).
const NO_ITEMS: Array<JSONValue> = [];
const NO_KEYS: Array<string> = [];

/** A JSON value. */
export class JSONValue {
  kind: i32 = NULL;
  b: bool = false;
  n: f64 = 0;
  s: string = "";
  items: Array<JSONValue> = NO_ITEMS;
  keys: Array<string> = NO_KEYS;

  static nul(): JSONValue {
    return new JSONValue();
  }
  static bool(b: bool): JSONValue {
    const v = new JSONValue();
    v.kind = BOOL;
    v.b = b;
    return v;
  }
  static num(n: f64): JSONValue {
    const v = new JSONValue();
    v.kind = NUM;
    v.n = n;
    return v;
  }
  static str(s: string): JSONValue {
    const v = new JSONValue();
    v.kind = STR;
    v.s = s;
    return v;
  }
  static arr(): JSONValue {
    const v = new JSONValue();
    v.kind = ARR;
    v.items = [];
    return v;
  }
  static obj(): JSONValue {
    const v = new JSONValue();
    v.kind = OBJ;
    v.items = [];
    v.keys = [];
    return v;
  }

  get isNull(): bool {
    return this.kind == NULL;
  }

  /** Member of an object, or a null value when absent (never a null reference). */
  get(key: string): JSONValue {
    if (this.kind != OBJ) return MISSING;
    const keys = this.keys;
    for (let i = 0, n = keys.length; i < n; i++) {
      if (unchecked(keys[i]) == key) return unchecked(this.items[i]);
    }
    return MISSING;
  }
  has(key: string): bool {
    if (this.kind != OBJ) return false;
    return this.keys.includes(key);
  }
  /** Sets an object member (replacing an existing one); returns this for chaining. */
  set(key: string, v: JSONValue): JSONValue {
    if (this.kind != OBJ) unreachable();
    const keys = this.keys;
    const n = key.length;
    for (let i = 0, m = keys.length; i < m; i++) {
      const k = unchecked(keys[i]);
      if (k.length == n && k == key) {
        this.items[i] = v;
        return this;
      }
    }
    this.keys.push(key);
    this.items.push(v);
    return this;
  }
  setStr(key: string, s: string): JSONValue {
    return this.set(key, JSONValue.str(s));
  }
  setNum(key: string, n: f64): JSONValue {
    return this.set(key, JSONValue.num(n));
  }
  /** Appends to an array; returns this. */
  push(v: JSONValue): JSONValue {
    if (this.kind != ARR) unreachable();
    this.items.push(v);
    return this;
  }
  /** Element count of an array or object. */
  get length(): i32 {
    return this.items.length;
  }
  at(i: i32): JSONValue {
    return this.items[i];
  }
  /** The string value, or `def` when this is not a string. */
  asString(def: string = ""): string {
    return this.kind == STR ? this.s : def;
  }
  asNumber(def: f64 = 0): f64 {
    return this.kind == NUM ? this.n : def;
  }

  /** Serializes to a JSON string. */
  stringify(): string {
    const w = new Writer(256);
    w.value(this);
    const out = String.UTF8.decodeUnsafe(w.ptr, w.len);
    w.release();
    return out;
  }
}

/** The value `get` returns for a missing member (a shared null; never mutate it). */
const MISSING = new JSONValue();

/**
 * Serializes JSON straight into a UTF-8 buffer on the raw heap (the buffer
 * can be handed to the host as is; it is released with `heap.free`). It
 * reserves room once per token and then stores bytes without checks.
 */
export class Writer {
  ptr: usize;
  cap: usize;
  len: usize = 0;
  constructor(cap: usize) {
    this.cap = cap;
    this.ptr = heap.alloc(cap);
  }
  release(): void {
    heap.free(this.ptr);
    this.ptr = 0;
  }
  @inline
  reserve(n: usize): void {
    if (this.len + n > this.cap) this.grow(n);
  }
  grow(n: usize): void {
    let c = this.cap << 1;
    while (c < this.len + n) c <<= 1;
    this.ptr = heap.realloc(this.ptr, c);
    this.cap = c;
  }
  @inline
  byte(b: u32): void {
    this.reserve(1);
    store<u8>(this.ptr + this.len, <u8> b);
    this.len++;
  }
  /** Writes ASCII text verbatim. */
  ascii(s: string): void {
    const n = <usize> s.length;
    this.reserve(n);
    const src = changetype<usize>(s);
    const dst = this.ptr + this.len;
    for (let i: usize = 0; i < n; i++) store<u8>(dst + i, <u8> load<u16>(src + (i << 1)));
    this.len += n;
  }
  /** Writes an integer in decimal. */
  int(v: i64): void {
    this.reserve(20);
    let u: u64 = v < 0 ? <u64> -v : <u64> v;
    if (v < 0) store<u8>(this.ptr + this.len++, 45);
    let digits: usize = 1;
    for (let t = u; t >= 10; t /= 10) digits++;
    let p = this.ptr + this.len + digits;
    do {
      store<u8>(--p, <u8> (48 + <u32> (u % 10)));
      u /= 10;
    } while (u != 0);
    this.len += digits;
  }
  /** Writes a quoted, escaped JSON string, UTF-8 encoded. */
  str(s: string): void {
    const n = <usize> s.length;
    this.reserve(n * 3 + 2);
    const src = changetype<usize>(s);
    let p = this.ptr + this.len;
    store<u8>(p++, 34);
    let i: usize = 0;
    while (i < n) {
      let c = <u32> load<u16>(src + (i << 1));
      i++;
      if (c < 0x80) {
        if (c >= 32 && c != 34 && c != 92) {
          store<u8>(p++, <u8> c);
          continue;
        }
        this.len = p - this.ptr;
        this.escape(c, n - i);
        p = this.ptr + this.len;
      } else if (c < 0x800) {
        store<u8>(p, <u8> (0xc0 | (c >> 6)));
        store<u8>(p + 1, <u8> (0x80 | (c & 63)));
        p += 2;
      } else {
        if (c >= 0xd800 && c < 0xe000) {
          const lo = i < n ? <u32> load<u16>(src + (i << 1)) : 0;
          if (c < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) {
            i++;
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            // A pair: 2 UTF-16 units (6 bytes reserved) become 4 bytes.
            store<u8>(p, <u8> (0xf0 | (c >> 18)));
            store<u8>(p + 1, <u8> (0x80 | ((c >> 12) & 63)));
            store<u8>(p + 2, <u8> (0x80 | ((c >> 6) & 63)));
            store<u8>(p + 3, <u8> (0x80 | (c & 63)));
            p += 4;
            continue;
          }
          c = 0xfffd;
        }
        store<u8>(p, <u8> (0xe0 | (c >> 12)));
        store<u8>(p + 1, <u8> (0x80 | ((c >> 6) & 63)));
        store<u8>(p + 2, <u8> (0x80 | (c & 63)));
        p += 3;
      }
    }
    store<u8>(p++, 34);
    this.len = p - this.ptr;
  }
  // Writes the escape for ASCII `c` and keeps room for `rest` more units.
  escape(c: u32, rest: usize): void {
    if (c == 34 || c == 92) {
      this.byte(92);
      this.byte(c);
    } else if (c == 10) this.ascii("\\n");
    else if (c == 13) this.ascii("\\r");
    else if (c == 9) this.ascii("\\t");
    else this.ascii(hex4(c));
    this.reserve(rest * 3 + 1);
  }
  value(v: JSONValue): void {
    switch (v.kind) {
      case NULL:
        this.ascii("null");
        break;
      case BOOL:
        this.ascii(v.b ? "true" : "false");
        break;
      case NUM:
        if (!isFinite(v.n)) this.ascii("null");
        else if (Math.floor(v.n) == v.n && Math.abs(v.n) < 9007199254740992) this.int(<i64> v.n);
        else this.ascii(v.n.toString());
        break;
      case STR:
        this.str(v.s);
        break;
      case ARR: {
        this.byte(91);
        const items = v.items;
        for (let i = 0, n = items.length; i < n; i++) {
          if (i > 0) this.byte(44);
          this.value(unchecked(items[i]));
        }
        this.byte(93);
        break;
      }
      default: {
        this.byte(123);
        const items = v.items;
        const keys = v.keys;
        for (let i = 0, n = items.length; i < n; i++) {
          if (i > 0) this.byte(44);
          this.str(unchecked(keys[i]));
          this.byte(58);
          this.value(unchecked(items[i]));
        }
        this.byte(125);
      }
    }
  }
}

function hex4(c: u32): string {
  const h = "0123456789abcdef";
  return "\\u00" + h.charAt((c >> 4) & 15) + h.charAt(c & 15);
}

export function quote(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34 || c == 92 || c < 32) {
      out += s.substring(start, i);
      if (c == 34) out += '\\"';
      else if (c == 92) out += "\\\\";
      else if (c == 10) out += "\\n";
      else if (c == 13) out += "\\r";
      else if (c == 9) out += "\\t";
      else out += hex4(<u32> c);
      start = i + 1;
    }
  }
  return out + s.substring(start) + '"';
}

/** The last parse error (empty after a successful parse). */
export let parseError: string = "";

// Builds a string from UTF-8 bytes that hold no escapes.
function utf8String(ptr: usize, n: usize, ascii: bool): string {
  if (!ascii) return String.UTF8.decodeUnsafe(ptr, n);
  const out = changetype<usize>(__new(n << 1, idof<string>()));
  for (let i: usize = 0; i < n; i++) store<u16>(out + (i << 1), load<u8>(ptr + i));
  return changetype<string>(out);
}

function hexDigit(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32> c - 48;
  c |= 32;
  if (c >= 97 && c <= 102) return <i32> c - 87;
  return -1;
}

/** A JSON parser over UTF-8 bytes in linear memory (no intermediate string). */
class Parser {
  pos: usize;
  end: usize;
  constructor(public base: usize, len: usize) {
    this.pos = base;
    this.end = base + len;
  }

  fail(msg: string): JSONValue | null {
    if (parseError.length == 0) {
      parseError = msg + " at offset " + (this.pos - this.base).toString();
    }
    return null;
  }
  @inline
  peek(): u32 {
    return this.pos < this.end ? <u32> load<u8>(this.pos) : 0;
  }
  ws(): void {
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if (c == 32 || c == 9 || c == 10 || c == 13) this.pos++;
      else break;
    }
  }
  lit(word: string): bool {
    const n = <usize> word.length;
    if (this.pos + n > this.end) return false;
    const w = changetype<usize>(word);
    for (let i: usize = 0; i < n; i++) {
      if (<u16> load<u8>(this.pos + i) != load<u16>(w + (i << 1))) return false;
    }
    this.pos += n;
    return true;
  }
  value(depth: i32): JSONValue | null {
    if (depth > 128) return this.fail("nesting too deep");
    this.ws();
    if (this.pos >= this.end) return this.fail("unexpected end");
    const c = <u32> load<u8>(this.pos);
    if (c == 123) return this.object(depth);
    if (c == 91) return this.array(depth);
    if (c == 34) {
      const s = this.string();
      if (s == null) return null;
      return JSONValue.str(s);
    }
    if (c == 116) return this.lit("true") ? JSONValue.bool(true) : this.fail("bad literal");
    if (c == 102) return this.lit("false") ? JSONValue.bool(false) : this.fail("bad literal");
    if (c == 110) return this.lit("null") ? JSONValue.nul() : this.fail("bad literal");
    return this.number();
  }
  number(): JSONValue | null {
    const start = this.pos;
    let neg = false;
    if (this.peek() == 45) {
      neg = true;
      this.pos++;
    }
    // Fast path: a plain integer of up to 15 digits.
    let v: i64 = 0;
    let digits = 0;
    while (this.pos < this.end) {
      const c = <u32> load<u8>(this.pos);
      if (c < 48 || c > 57) break;
      v = v * 10 + <i64> (c - 48);
      digits++;
      this.pos++;
    }
    const next = this.peek();
    if (next != 46 && next != 101 && next != 69 && digits > 0 && digits <= 15) {
      if (digits > 1 && load<u8>(neg ? start + 1 : start) == 48) return this.fail("bad number");
      return JSONValue.num(neg ? -<f64> v : <f64> v);
    }
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if ((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69) this.pos++;
      else break;
    }
    if (start == this.pos) return this.fail("unexpected character");
    const n = parseFloat(utf8String(start, this.pos - start, true));
    if (isNaN(n)) return this.fail("bad number");
    return JSONValue.num(n);
  }
  string(): string | null {
    const start = ++this.pos; // after the opening quote
    // Fast path: no escapes, one allocation.
    let high: u32 = 0;
    for (let j = start; j < this.end; j++) {
      const c = <u32> load<u8>(j);
      if (c == 34) {
        this.pos = j + 1;
        return utf8String(start, j - start, high < 0x80);
      }
      if (c == 92) return this.escaped(start);
      high |= c;
    }
    this.pos = this.end;
    this.fail("unterminated string");
    return null;
  }
  // Decodes a string with escapes into a scratch UTF-8 buffer.
  escaped(start: usize): string | null {
    const buf = heap.alloc(this.end - start);
    let o = buf;
    let p = start;
    while (p < this.end) {
      const c = <u32> load<u8>(p++);
      if (c == 34) {
        this.pos = p;
        const s = String.UTF8.decodeUnsafe(buf, o - buf);
        heap.free(buf);
        return s;
      }
      if (c != 92) {
        store<u8>(o++, <u8> c);
        continue;
      }
      if (p >= this.end) break;
      const e = <u32> load<u8>(p++);
      let cp: u32 = e;
      if (e == 110) cp = 10;
      else if (e == 116) cp = 9;
      else if (e == 114) cp = 13;
      else if (e == 98) cp = 8;
      else if (e == 102) cp = 12;
      else if (e == 117) {
        cp = 0;
        for (let k = 0; k < 4; k++) {
          const d = p < this.end ? hexDigit(<u32> load<u8>(p++)) : -1;
          if (d < 0) {
            this.pos = p;
            heap.free(buf);
            this.fail("bad \\u escape");
            return null;
          }
          cp = (cp << 4) | <u32> d;
        }
        // A surrogate pair written as two escapes.
        if (
          cp >= 0xd800 && cp < 0xdc00 && p + 6 <= this.end && load<u8>(p) == 92 &&
          load<u8>(p + 1) == 117
        ) {
          let lo: u32 = 0;
          let ok = true;
          for (let k: usize = 2; k < 6; k++) {
            const d = hexDigit(<u32> load<u8>(p + k));
            if (d < 0) ok = false;
            lo = (lo << 4) | <u32> d;
          }
          if (ok && lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
          }
        }
        if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd; // a lone surrogate
      }
      // UTF-8 encode cp (never longer than its escape).
      if (cp < 0x80) store<u8>(o++, <u8> cp);
      else if (cp < 0x800) {
        store<u8>(o++, <u8> (0xc0 | (cp >> 6)));
        store<u8>(o++, <u8> (0x80 | (cp & 63)));
      } else if (cp < 0x10000) {
        store<u8>(o++, <u8> (0xe0 | (cp >> 12)));
        store<u8>(o++, <u8> (0x80 | ((cp >> 6) & 63)));
        store<u8>(o++, <u8> (0x80 | (cp & 63)));
      } else {
        store<u8>(o++, <u8> (0xf0 | (cp >> 18)));
        store<u8>(o++, <u8> (0x80 | ((cp >> 12) & 63)));
        store<u8>(o++, <u8> (0x80 | ((cp >> 6) & 63)));
        store<u8>(o++, <u8> (0x80 | (cp & 63)));
      }
    }
    heap.free(buf);
    this.pos = this.end;
    this.fail("unterminated string");
    return null;
  }
  array(depth: i32): JSONValue | null {
    this.pos++;
    const v = JSONValue.arr();
    this.ws();
    if (this.peek() == 93) {
      this.pos++;
      return v;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item == null) return null;
      v.items.push(item);
      this.ws();
      if (this.pos >= this.end) return this.fail("unterminated array");
      const c = load<u8>(this.pos++);
      if (c == 93) return v;
      if (c != 44) return this.fail("expected , or ]");
    }
  }
  object(depth: i32): JSONValue | null {
    this.pos++;
    const v = JSONValue.obj();
    this.ws();
    if (this.peek() == 125) {
      this.pos++;
      return v;
    }
    while (true) {
      this.ws();
      if (this.peek() != 34) return this.fail("expected a key");
      const key = this.string();
      if (key == null) return null;
      this.ws();
      if (this.peek() != 58) return this.fail("expected :");
      this.pos++;
      const item = this.value(depth + 1);
      if (item == null) return null;
      v.keys.push(key);
      v.items.push(item);
      this.ws();
      if (this.pos >= this.end) return this.fail("unterminated object");
      const c = load<u8>(this.pos++);
      if (c == 125) return v;
      if (c != 44) return this.fail("expected , or }");
    }
  }
}

/** Parses JSON from `len` UTF-8 bytes at `ptr`; returns null and sets `parseError` on failure. */
export function parseBytes(ptr: usize, len: usize): JSONValue | null {
  parseError = "";
  const p = new Parser(ptr, len);
  const v = p.value(0);
  if (v == null) return null;
  p.ws();
  if (p.pos != p.end) {
    parseError = "trailing characters at offset " + (p.pos - ptr).toString();
    return null;
  }
  return v;
}

/** Parses JSON text; returns null and sets `parseError` on failure. */
export function parse(src: string): JSONValue | null {
  const bytes = String.UTF8.encode(src);
  return parseBytes(changetype<usize>(bytes), <usize> bytes.byteLength);
}
