import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { configEnvVar, configNamespace, publicConfig, type StackConfig } from "../lib/config";
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
  /**
   * True when a config value the command sees is secret (configHasSecrets): then its environment,
   * triggers, stdout and stderr are kept encrypted in the state.
   */
  secretConfig?: boolean;
  /** The provider adopts existing objects (kubernetes:upsertExistingObjects): the preflight allows them. */
  adoptExisting?: boolean;
}

/**
 * Whether any `multinet:` key or `kubernetes:context` holds a secret (`pulumi config set --secret`;
 * with `--path` the whole top-level key is secret). @pulumi/pulumi 3.248 exports isConfigSecret from
 * runtime/config.js:72 but leaves it out of its typings (@internal); should it go, every key counts
 * as secret, which keeps secrets out of the state at the price of unreadable reports.
 */
export function configHasSecrets(): boolean {
  const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  const keys = Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(`${configNamespace}:`) || key === "kubernetes:context");
  return keys.some((key) => (isConfigSecret ? isConfigSecret(key) : true));
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
    // @pulumi/command stores environment, triggers, stdout and stderr in the state: a secret input
    // stays encrypted there, outputs only when listed in additionalSecretOutputs, and the lines it
    // logs are not encrypted at all (@pulumi/command 1.2.1 local/command.d.ts:227-230).
    const guarded = <T>(value: T) => (args.secretConfig ? pulumi.secret(value) : pulumi.output(value));

    this.command = new command.local.Command(`${name}-check`, {
      create: verifyCommandLine(kind, args.stack, args.config, args.kubeContext, args.adoptExisting),
      // The config Pulumi resolved (ESC environments, -c overrides, project config), not the stack
      // file on disk; without the WireGuard PSK, which no check needs.
      environment: guarded({ [configEnvVar]: JSON.stringify(config) }),
      triggers: guarded([config, args.kubeContext ?? "", ...extraTriggers]),
      // The readable lines go to the update's log, unless they may quote a secret; stdout carries
      // the JSON report.
      logging: args.secretConfig ? "none" : "stderr",
    }, {
      parent: this,
      dependsOn: opts?.dependsOn,
      // The report quotes config values (names, addresses) and so is as secret as they are.
      additionalSecretOutputs: args.secretConfig ? ["stdout", "stderr"] : [],
    });
    this.report = this.command.stdout.apply((stdout) => parseReport(kind, args.stack, stdout));

    this.registerOutputs({ report: this.report });
  }
}
