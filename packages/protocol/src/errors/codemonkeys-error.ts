const errorMarker = Symbol.for('codemonkeys.error');

export interface CodemonkeysErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every error thrown by codemonkeys packages.
 *
 * `instanceof` fails when two copies of a package are installed side by side (a plugin bundling its own
 * core, say), so each class is recognised through `isInstance`, which checks a marker registered with
 * `Symbol.for` and the names of the classes along the prototype chain.
 */
export class CodemonkeysError extends Error {
  static readonly errorName: string = 'CodemonkeysError';

  readonly [errorMarker]: readonly string[];

  constructor(message: string, options: CodemonkeysErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const names: string[] = [];
    for (let current: unknown = new.target; typeof current === 'function'; current = Object.getPrototypeOf(current)) {
      const name = (current as { errorName?: unknown }).errorName;
      if (typeof name === 'string' && !names.includes(name)) names.push(name);
      if (current === CodemonkeysError) break;
    }
    this[errorMarker] = names;
    this.name = names[0] ?? 'CodemonkeysError';
  }

  /** True when `error` is this class (or a subclass), whichever copy of the package created it. */
  static isInstance<T>(this: { readonly errorName: string; readonly prototype: T }, error: unknown): error is T {
    if (typeof error !== 'object' || error === null) return false;
    const names = (error as Record<symbol, unknown>)[errorMarker];
    return Array.isArray(names) && names.includes(this.errorName);
  }
}
