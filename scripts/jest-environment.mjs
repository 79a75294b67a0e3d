// Jest's node environment, plus cross-realm instanceof for the built-in error classes and Date.
// Tests run in a vm context with its own Error, Date, ...; errors thrown by Node itself (fs, net, http, URL, fetch)
// are made by the outer realm's classes, so `error instanceof Error` is false in tests though true in production.
// Here the test realm's base classes also accept outer-realm instances. Subclasses (class X extends Error) keep
// the ordinary check, so an outer Error is never taken for one of our own error classes.
import { TestEnvironment } from 'jest-environment-node';

const SHARED = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError', 'Date'];
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

export default class NodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      const inner = this.global[name];
      const outer = globalThis[name];
      if (typeof inner !== 'function' || inner === outer) continue;
      Object.defineProperty(inner, Symbol.hasInstance, {
        configurable: true,
        value(value) {
          return ordinaryHasInstance.call(this, value) || (this === inner && ordinaryHasInstance.call(outer, value));
        },
      });
    }
  }
}
