/**
 * What `npm run render`'s bundle loads in place of @pulumi/command (see ./pulumi.ts): `local.Command`
 * with the inputs it is given and, as in a preview, unknown `stdout`/`stderr` (local/command.js of
 * @pulumi/command 1.2 declares them output-only).
 */
import { CustomResource, type ResourceOptions } from "./pulumi";

class Command extends CustomResource {
  constructor(name: string, args: Record<string, unknown>, opts?: ResourceOptions) {
    super("command:local:Command", name, args, { ...opts, replaceOnChanges: [...(opts?.replaceOnChanges ?? []), "triggers[*]"] },
      ["stdout", "stderr", "archive", "assets"]);
  }
}

export const local = { Command };
