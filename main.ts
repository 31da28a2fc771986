/**
 * The denative CLI.
 *
 *   dev         local control plane + controllers + gateway (the embedded default)
 *   controller  run the controllers against a cluster
 *   render      run the controllers to a fixed point in memory and print a v1 List
 *   manifests   print the install YAML
 *   plugin      inspect or test a WebAssembly ingress plugin
 * @module
 */
import { controllerCommand, devCommand, renderCommand } from "./controllers/cli.ts";
import { manifestsCommand } from "./apis/cli.ts";
import { pluginCommand } from "./plugins/cli.ts";

/** A CLI subcommand: takes its arguments, resolves to an exit code. */
export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  dev: devCommand,
  controller: controllerCommand,
  render: renderCommand,
  manifests: manifestsCommand,
  plugin: pluginCommand,
};

const USAGE = `usage: denative <command> [flags]

commands:
  dev         start the local control plane, the controllers and the local gateway
  controller  run the controllers against a cluster (--kubeconfig, --context)
  render      render Knative YAML to every resulting object (-f FILE …)
  manifests   print the install manifests
  plugin      inspect|test a WebAssembly ingress plugin
`;

/** Runs the CLI with the given arguments and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "-h" || name === "--help" || name === "help") {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`denative: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return await cmd(rest);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
