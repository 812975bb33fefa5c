/**
 * The one error an injected failure throws, whether from the development fault switch (src/faults) or an in-memory
 * twin that fails on demand: its name says it was on purpose, so logs and tests can tell it from a real failure.
 */
export class InjectedFault extends Error {
  constructor(what: string) {
    super(`injected fault: ${what}`);
    this.name = "InjectedFault";
  }
}
