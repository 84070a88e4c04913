import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { formatConfigErrors, validateConfig, type StackConfig } from "../lib/config";
import { verifyCommandLine } from "../lib/verify/command";
import { parseReport, type Report } from "../lib/verify/findings";
import { publicConfig } from "../lib/verify/stackConfig";

export interface VerificationArgs {
  /** The stack whose file (stacks/Pulumi.<stack>.yaml) scripts/verify.ts reads. */
  stack: string;
  /** The validated stack config; any change to it runs the verification again. */
  config: StackConfig;
  /** `kubernetes:context` of the stack, if set: a change runs the verification again. */
  kubeContext?: string;
  /** The sample pod's UID: a new pod is verified again. */
  podUid?: pulumi.Input<string | undefined>;
}

/**
 * Checks, after the deploy, that the multi-network setup works: DaemonSets rolled out, Calico's
 * autodetection, every NAD, the sample pod's network-status and routes (and optionally a ping).
 * Pass everything it checks in `opts.dependsOn` (Multus, Flannel, Calico, the NADs, the pod).
 */
export class Verification extends pulumi.ComponentResource {
  public readonly command: command.local.Command;
  /** The findings (stack output `verification`). */
  public readonly report: pulumi.Output<Report>;

  constructor(name: string, args: VerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multinet:index:Verification", name, {}, opts);
    const result = validateConfig(args.config as unknown as Record<string, unknown>);
    if (!result.ok) throw new pulumi.ResourceError(formatConfigErrors(result.errors), this);

    this.command = new command.local.Command(`${name}-check`, {
      create: verifyCommandLine("verify", args.stack, result.config),
      triggers: [publicConfig(result.config), args.kubeContext ?? "", args.podUid ?? ""],
      // The readable lines go to the update's log; stdout carries the JSON report.
      logging: "stderr",
    }, { parent: this, dependsOn: opts?.dependsOn });
    this.report = this.command.stdout.apply((stdout) => parseReport("verify", args.stack, stdout));

    this.registerOutputs({ report: this.report });
  }
}
