/**
 * The one flag scanner the CLI commands share: `--flag value`, `--flag=value`
 * and short flags, with errors that name the flag.
 * @module
 */

/** Reads the current flag's value (inline after `=`, else the next argument). */
export type FlagValue = () => string;

/**
 * Walks `args` and calls `onFlag(flag, value)` for each flag; `onFlag` returns
 * false for a flag it does not know, which is refused with the argument named.
 */
export function scanFlags(
  args: string[],
  onFlag: (flag: string, value: FlagValue) => boolean,
): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const [flag, inline] = eq >= 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value: FlagValue = () => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw new Error(`flag ${flag} needs a value`);
      return v;
    };
    if (!onFlag(flag, value)) throw new Error(`unknown flag ${JSON.stringify(a)}`);
  }
}

/** Parses a port flag value (0 = any free port). */
export function portValue(flag: string, value: FlagValue, zeroMeansAny = true): number {
  const n = Number(value());
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`${flag} must be a port${zeroMeansAny ? " (0 = any)" : ""}`);
  }
  return n;
}
