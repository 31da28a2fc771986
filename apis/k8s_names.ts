/**
 * Kubernetes name validation with k8s.io/apimachinery's exact messages, and
 * kmeta.ChildName.
 * @module
 */
import { createHash } from "node:crypto";

const DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += " or ";
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** k8s IsDNS1035Label: error messages, empty when valid. */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!new RegExp(`^${DNS1035_FMT}$`).test(v)) {
    errs.push(regexError(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
      DNS1035_FMT,
      "my-name",
      "abc-123",
    ));
  }
  return errs;
}

/** k8s NameIsDNS1035Label (a trailing dash is allowed for prefixes). */
export function nameIsDNS1035Label(v: string, prefix: boolean): string[] {
  return isDNS1035Label(prefix && v.endsWith("-") ? v.slice(0, -1) + "a" : v);
}

/** k8s IsDNS1123Label. */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!new RegExp(`^${DNS1123_LABEL_FMT}$`).test(v)) {
    errs.push(regexError(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
      DNS1123_LABEL_FMT,
      "my-name",
      "123-abc",
    ));
  }
  return errs;
}

/** k8s IsDNS1123Subdomain. */
export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`).test(v)) {
    errs.push(regexError(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      DNS1123_SUBDOMAIN_FMT,
      "example.com",
    ));
  }
  return errs;
}

/** k8s IsQualifiedName. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split("/");
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      "a qualified name " + regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        "MyName",
        "my.name",
        "123-abc",
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!new RegExp(`^${QUALIFIED_NAME_FMT}$`).test(name)) {
    errs.push(
      "name part " + regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        "MyName",
        "my.name",
        "123-abc",
      ),
    );
  }
  return errs;
}

/** Go's `fmt.Sprint([]string)`: `[a b]`. */
export function goStringSlice(xs: string[]): string {
  return `[${xs.join(" ")}]`;
}

/** kmeta.ChildName(parent, suffix): a ≤63-char child name. */
export function childName(parent: string, suffix: string): string {
  const longest = 63;
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");
  if (parent.length + suffix.length <= longest) return parent + suffix;
  const head = 31;
  if (head - suffix.length > 0) {
    return parent.slice(0, head - suffix.length) + md5(parent) + suffix;
  }
  let ret = parent.slice(0, head) + md5(parent + suffix);
  if (ret.length < longest) ret += suffix.slice(0, longest - ret.length);
  while (ret.length > 0 && /[^a-zA-Z0-9]$/.test(ret)) ret = ret.slice(0, -1);
  return ret;
}
