/**
 * CLI command owned by the apis layer: `manifests`.
 * @module
 */

/** `denative manifests`. */
export function manifestsCommand(_args: string[]): Promise<number> {
  console.error("manifests: not built yet");
  return Promise.resolve(1);
}
