import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { configEnvVar, publicConfig, type StackConfig } from "../lib/config";
import { verifyCommandLine } from "../lib/verify/command";
import { parseReport, type Report, type ReportKind } from "../lib/verify/findings";

export interface ClusterCheckArgs {
  /** The stack's name, for the report. */
  stack: string;
  /**
   * The validated stack config (validateConfig's output): handed to scripts/verify.ts as it is, so it
   * checks what Pulumi deploys; any change to it (secrets left out) runs the check again.
   */
  config: StackConfig;
  /** `kubernetes:context` of the stack, if set: a change runs the check again. */
  kubeContext?: string;
}

/**
 * What Preflight and Verification share: scripts/verify.ts run once by a `local.Command` when it is
 * created or its triggers change, its JSON report parsed into `report`.
 */
export abstract class ClusterCheck extends pulumi.ComponentResource {
  public readonly command: command.local.Command;
  /** The findings (a stack output). */
  public readonly report: pulumi.Output<Report>;

  protected constructor(
    type: string, kind: ReportKind, name: string, args: ClusterCheckArgs,
    extraTriggers: pulumi.Input<string | undefined>[], opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    const config = publicConfig(args.config);

    this.command = new command.local.Command(`${name}-check`, {
      create: verifyCommandLine(kind, args.stack, args.config, args.kubeContext),
      // The config Pulumi resolved (ESC environments, -c overrides, project config), not the stack
      // file on disk; secret-free, since command inputs are stored in the state.
      environment: { [configEnvVar]: JSON.stringify(config) },
      triggers: [config, args.kubeContext ?? "", ...extraTriggers],
      // The readable lines go to the update's log; stdout carries the JSON report.
      logging: "stderr",
    }, { parent: this, dependsOn: opts?.dependsOn });
    this.report = this.command.stdout.apply((stdout) => parseReport(kind, args.stack, stdout));

    this.registerOutputs({ report: this.report });
  }
}
