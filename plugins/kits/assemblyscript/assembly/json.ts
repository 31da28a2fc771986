// A small JSON value type, parser and serializer for AssemblyScript plugins
// (AssemblyScript has no built-in JSON). Object keys keep their order.

export const NULL: i32 = 0;
export const BOOL: i32 = 1;
export const NUM: i32 = 2;
export const STR: i32 = 3;
export const ARR: i32 = 4;
export const OBJ: i32 = 5;

/** A JSON value. */
export class JSONValue {
  kind: i32 = NULL;
  b: bool = false;
  n: f64 = 0;
  s: string = "";
  items: Array<JSONValue> = [];
  keys: Array<string> = [];

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
    return v;
  }
  static obj(): JSONValue {
    const v = new JSONValue();
    v.kind = OBJ;
    return v;
  }

  get isNull(): bool {
    return this.kind == NULL;
  }

  /** Member of an object, or a null value when absent (never a null reference). */
  get(key: string): JSONValue {
    if (this.kind != OBJ) return new JSONValue();
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return this.items[i];
    }
    return new JSONValue();
  }
  has(key: string): bool {
    if (this.kind != OBJ) return false;
    return this.keys.includes(key);
  }
  /** Sets an object member (replacing an existing one); returns this for chaining. */
  set(key: string, v: JSONValue): JSONValue {
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

  stringify(): string {
    const parts: Array<string> = [];
    write(this, parts);
    return parts.join("");
  }
}

function hex4(c: i32): string {
  const h = "0123456789abcdef";
  return "\\u00" + h.charAt((c >> 4) & 15) + h.charAt(c & 15);
}

export function quote(s: string): string {
  let out = "\"";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34 || c == 92 || c < 32) {
      out += s.substring(start, i);
      if (c == 34) out += "\\\"";
      else if (c == 92) out += "\\\\";
      else if (c == 10) out += "\\n";
      else if (c == 13) out += "\\r";
      else if (c == 9) out += "\\t";
      else out += hex4(c);
      start = i + 1;
    }
  }
  return out + s.substring(start) + "\"";
}

function write(v: JSONValue, parts: Array<string>): void {
  switch (v.kind) {
    case NULL:
      parts.push("null");
      break;
    case BOOL:
      parts.push(v.b ? "true" : "false");
      break;
    case NUM:
      if (Math.floor(v.n) == v.n && Math.abs(v.n) < 9007199254740992) {
        parts.push((<i64>v.n).toString());
      } else parts.push(v.n.toString());
      break;
    case STR:
      parts.push(quote(v.s));
      break;
    case ARR:
      parts.push("[");
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) parts.push(",");
        write(v.items[i], parts);
      }
      parts.push("]");
      break;
    default:
      parts.push("{");
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) parts.push(",");
        parts.push(quote(v.keys[i]));
        parts.push(":");
        write(v.items[i], parts);
      }
      parts.push("}");
  }
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
    if (this.src.substr(this.pos, word.length) == word) {
      this.pos += word.length;
      return true;
    }
    return false;
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
