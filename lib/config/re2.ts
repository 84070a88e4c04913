/**
 * Regular expressions on user input run on RE2 (re2js, a pure-JS port of Go's regexp): matching
 * time is linear in the input whatever the pattern, so no stack value can make validation
 * backtrack; and a pattern the user gives (an interface regex) is parsed by the same grammar as Go's
 * regexp.Compile, which calico-node and flanneld use.
 */
import { RE2JS } from "re2js";

/** A whole-string matcher compiled with RE2 (the pattern is anchored here). */
export function linearPattern(pattern: string): (text: string) => boolean {
  const compiled = RE2JS.compile(`^(?:${pattern})$`);
  return (text) => typeof text === "string" && compiled.matches(text);
}

/** Why Go's regexp.Compile rejects a pattern (RE2 syntax), or undefined when it compiles. */
export function goRegexpProblem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message.split("\n")[0];
  }
}
