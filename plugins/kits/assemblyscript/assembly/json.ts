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
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return this.items[i];
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
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) {
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
 * can be handed to the host as is; it is released with `heap.free`).
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
    if (this.len + n > this.cap) {
      let c = this.cap << 1;
      while (c < this.len + n) c <<= 1;
      this.ptr = heap.realloc(this.ptr, c);
      this.cap = c;
    }
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
    for (let i: usize = 0; i < n; i++) {
      store<u8>(this.ptr + this.len + i, <u8> s.charCodeAt(<i32> i));
    }
    this.len += n;
  }
  /** Writes a quoted, escaped JSON string, UTF-8 encoded. */
  str(s: string): void {
    const n = s.length;
    this.reserve(<usize> n * 3 + 2);
    this.byte(34);
    for (let i = 0; i < n; i++) {
      let c = <u32> s.charCodeAt(i);
      if (c < 0x80) {
        if (c == 34 || c == 92) {
          this.byte(92);
          this.byte(c);
        } else if (c < 32) {
          if (c == 10) this.ascii("\\n");
          else if (c == 13) this.ascii("\\r");
          else if (c == 9) this.ascii("\\t");
          else this.ascii(hex4(c));
        } else this.byte(c);
      } else if (c < 0x800) {
        this.byte(0xc0 | (c >> 6));
        this.byte(0x80 | (c & 63));
      } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const lo = <u32> s.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo < 0xe000) {
          i++;
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          this.reserve(4);
          this.byte(0xf0 | (c >> 18));
          this.byte(0x80 | ((c >> 12) & 63));
          this.byte(0x80 | ((c >> 6) & 63));
          this.byte(0x80 | (c & 63));
        } else this.three(0xfffd);
      } else if (c >= 0xd800 && c < 0xe000) this.three(0xfffd);
      else this.three(c);
    }
    this.byte(34);
  }
  three(c: u32): void {
    this.reserve(3);
    this.byte(0xe0 | (c >> 12));
    this.byte(0x80 | ((c >> 6) & 63));
    this.byte(0x80 | (c & 63));
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
        if (Math.floor(v.n) == v.n && Math.abs(v.n) < 9007199254740992) {
          this.ascii((<i64> v.n).toString());
        } else this.ascii(v.n.toString());
        break;
      case STR:
        this.str(v.s);
        break;
      case ARR:
        this.byte(91);
        for (let i = 0; i < v.items.length; i++) {
          if (i > 0) this.byte(44);
          this.value(v.items[i]);
        }
        this.byte(93);
        break;
      default:
        this.byte(123);
        for (let i = 0; i < v.items.length; i++) {
          if (i > 0) this.byte(44);
          this.str(v.keys[i]);
          this.byte(58);
          this.value(v.items[i]);
        }
        this.byte(125);
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

class Parser {
  pos: i32 = 0;
  constructor(public src: string) {}

  fail(msg: string): JSONValue | null {
    if (parseError.length == 0) parseError = msg + " at offset " + this.pos.toString();
    return null;
  }
  ws(): void {
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c == 32 || c == 9 || c == 10 || c == 13) this.pos++;
      else break;
    }
  }
  lit(word: string): bool {
    const n = word.length;
    if (this.pos + n > this.src.length) return false;
    for (let i = 0; i < n; i++) {
      if (this.src.charCodeAt(this.pos + i) != word.charCodeAt(i)) return false;
    }
    this.pos += n;
    return true;
  }
  value(depth: i32): JSONValue | null {
    if (depth > 128) return this.fail("nesting too deep");
    this.ws();
    if (this.pos >= this.src.length) return this.fail("unexpected end");
    const c = this.src.charCodeAt(this.pos);
    if (c == 123) return this.object(depth);
    if (c == 91) return this.array(depth);
    if (c == 34) {
      const s = this.string();
      if (s == null) return null;
      return JSONValue.str(s);
    }
    if (this.lit("true")) return JSONValue.bool(true);
    if (this.lit("false")) return JSONValue.bool(false);
    if (this.lit("null")) return JSONValue.nul();
    return this.number();
  }
  number(): JSONValue | null {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if ((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69) this.pos++;
      else break;
    }
    if (start == this.pos) return this.fail("unexpected character");
    const n = parseFloat(this.src.substring(start, this.pos));
    if (isNaN(n)) return this.fail("bad number");
    return JSONValue.num(n);
  }
  string(): string | null {
    this.pos++; // opening quote
    // Fast path: no escapes, one allocation.
    for (let j = this.pos; j < this.src.length; j++) {
      const c = this.src.charCodeAt(j);
      if (c == 34) {
        const s = this.src.substring(this.pos, j);
        this.pos = j + 1;
        return s;
      }
      if (c == 92) break;
    }
    let out = "";
    let start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c == 34) {
        out += this.src.substring(start, this.pos);
        this.pos++;
        return out;
      }
      if (c == 92) {
        out += this.src.substring(start, this.pos);
        this.pos++;
        if (this.pos >= this.src.length) break;
        const e = this.src.charCodeAt(this.pos);
        if (e == 110) out += "\n";
        else if (e == 116) out += "\t";
        else if (e == 114) out += "\r";
        else if (e == 98) out += "\b";
        else if (e == 102) out += "\f";
        else if (e == 117) {
          const code = I32.parseInt(this.src.substr(this.pos + 1, 4), 16);
          out += String.fromCharCode(code);
          this.pos += 4;
        } else out += String.fromCharCode(e);
        this.pos++;
        start = this.pos;
        continue;
      }
      this.pos++;
    }
    this.fail("unterminated string");
    return null;
  }
  array(depth: i32): JSONValue | null {
    this.pos++;
    const v = JSONValue.arr();
    this.ws();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 93) {
      this.pos++;
      return v;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item == null) return null;
      v.items.push(item);
      this.ws();
      if (this.pos >= this.src.length) return this.fail("unterminated array");
      const c = this.src.charCodeAt(this.pos++);
      if (c == 93) return v;
      if (c != 44) return this.fail("expected , or ]");
    }
  }
  object(depth: i32): JSONValue | null {
    this.pos++;
    const v = JSONValue.obj();
    this.ws();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 125) {
      this.pos++;
      return v;
    }
    while (true) {
      this.ws();
      if (this.pos >= this.src.length || this.src.charCodeAt(this.pos) != 34) {
        return this.fail("expected a key");
      }
      const key = this.string();
      if (key == null) return null;
      this.ws();
      if (this.pos >= this.src.length || this.src.charCodeAt(this.pos) != 58) {
        return this.fail("expected :");
      }
      this.pos++;
      const item = this.value(depth + 1);
      if (item == null) return null;
      v.keys.push(key);
      v.items.push(item);
      this.ws();
      if (this.pos >= this.src.length) return this.fail("unterminated object");
      const c = this.src.charCodeAt(this.pos++);
      if (c == 125) return v;
      if (c != 44) return this.fail("expected , or }");
    }
  }
}

/** Parses JSON; returns null and sets `parseError` on failure. */
export function parse(src: string): JSONValue | null {
  parseError = "";
  const p = new Parser(src);
  const v = p.value(0);
  if (v == null) return null;
  p.ws();
  if (p.pos != src.length) {
    parseError = "trailing characters at offset " + p.pos.toString();
    return null;
  }
  return v;
}
