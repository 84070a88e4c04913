import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { formatConfigErrors, validateConfig, type StackConfig } from "../lib/config";
import { verifyCommandLine } from "../lib/verify/command";
import { parseReport, type Report } from "../lib/verify/findings";
import { publicConfig } from "../lib/verify/stackConfig";

export interface PreflightArgs {
  /** The stack whose file (stacks/Pulumi.<stack>.yaml) scripts/verify.ts reads. */
  stack: string;
  /** The validated stack config; any change to it runs the preflight again. */
  config: StackConfig;
  /** `kubernetes:context` of the stack, if set: a change runs the preflight again. */
  kubeContext?: string;
}

/**
 * Checks, before multinet changes anything, that the cluster can carry Flannel as an attachment:
 * every node has a podCIDR inside the Flannel network, no Calico pool overlaps multinet's ranges,
 * Calico is installed the way `calico.mode` says. Make it a dependency of every component that
 * changes the cluster: a failed preflight fails `pulumi up` before they run.
 */
export class Preflight extends pulumi.ComponentResource {
  public readonly command: command.local.Command;
  /** The findings (stack output `preflight`). */
  public readonly report: pulumi.Output<Report>;

  constructor(name: string, args: PreflightArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:Preflight", name, {}, opts);
    const result = validateConfig(args.config as unknown as Record<string, unknown>);
    if (!result.ok) throw new pulumi.ResourceError(formatConfigErrors(result.errors), this);

    this.command = new command.local.Command(`${name}-check`, {
      create: verifyCommandLine("preflight", args.stack, result.config),
      triggers: [publicConfig(result.config), args.kubeContext ?? ""],
      // The readable lines go to the update's log; stdout carries the JSON report.
      logging: "stderr",
    }, { parent: this, dependsOn: opts?.dependsOn });
    this.report = this.command.stdout.apply((stdout) => parseReport("preflight", args.stack, stdout));

    this.registerOutputs({ report: this.report });
  }
}
