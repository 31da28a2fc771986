/**
 * CLI commands owned by the controllers layer: `dev`, `controller`, `render`.
 * @module
 */

/** `denative dev`. */
export function devCommand(_args: string[]): Promise<number> {
  console.error("dev: not built yet");
  return Promise.resolve(1);
}

/** `denative controller`. */
export function controllerCommand(_args: string[]): Promise<number> {
  console.error("controller: not built yet");
  return Promise.resolve(1);
}

/** `denative render`. */
export function renderCommand(_args: string[]): Promise<number> {
  console.error("render: not built yet");
  return Promise.resolve(1);
}
