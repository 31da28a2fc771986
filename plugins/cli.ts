/**
 * CLI command owned by the plugins layer: `plugin inspect|test`.
 * @module
 */

/** `denative plugin`. */
export function pluginCommand(_args: string[]): Promise<number> {
  console.error("plugin: not built yet");
  return Promise.resolve(1);
}
