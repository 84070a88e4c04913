/**
 * CrossGuard policy pack for multinet: `pulumi preview --policy-pack policy` (or `pulumi up`) runs
 * these checks on every Kubernetes object before it reaches the cluster. The rules are in rules.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("multinet", { policies });
