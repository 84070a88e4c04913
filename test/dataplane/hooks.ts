import { afterAll, beforeAll } from "vitest";
import { Lab, removeLeftovers } from "./lab";

/** A lab for one test file: leftovers of crashed runs removed, built before its tests, torn down after them. */
export function useLab(): () => Lab {
  let lab: Lab | undefined;
  beforeAll(() => {
    removeLeftovers();
    lab = new Lab();
  });
  afterAll(() => lab?.destroy());
  return () => {
    if (!lab) throw new Error("the lab was not built");
    return lab;
  };
}
