import * as pulumi from "@pulumi/pulumi";
import { awaitDiagnosis, type DiagnosisTarget } from "../lib/hooks/awaitDiagnosis";

/**
 * The error hook for what the provider waits on (DaemonSet rollouts, the Calico patch, the sample
 * pod): a component given it in `hooks.onError` hands it to its children (childOptions). When a
 * wait ends with the resource not ready, the verifier looks at the cluster once and its failed
 * checks are logged with the provider's error, with the command for the whole report.
 *
 * Error hooks need the Pulumi CLI 3.217.1 or newer (it announces the "errorHooks" feature,
 * pulumi/pulumi v3.217.1 pkg/resource/deploy/source_eval.go:1072); with an older CLI the program
 * stops at once with "The Pulumi CLI does not support error hooks" (@pulumi/pulumi 3.248
 * runtime/resource.js:1007-1010), before any resource is registered.
 */
export function awaitDiagnosisHook(target: DiagnosisTarget): pulumi.ErrorHook {
  return new pulumi.ErrorHook("multinet-await-diagnosis", awaitDiagnosis(target, (text) => pulumi.log.warn(text)));
}
