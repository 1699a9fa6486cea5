// Error registries: each area lists its stable SB_ERR_* codes in one table and gets one error class for them.
// Callers branch on `code`, never on the message. Two kinds of table exist:
// - defineErrors: the codes of an area whose throw sites write the whole message (store, HTTP);
// - defineErrorCatalog: a table of base messages, extended by a detail at the throw site (actors, streaming).

type Cause = { cause?: unknown };

/** A table whose keys are the codes (the values are free: the code again, or its base message). */
export type CodeTable = Readonly<Record<string, string>>;

/** True when err carries one of the table's codes (and, if given, that code). Checked by shape rather than
 *  instanceof, so copies of a module and errors rebuilt after crossing a thread still match. */
function hasCode(codes: CodeTable, err: unknown, code?: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in codes)) return false;
  return code === undefined || c === code;
}

function nameClass(cls: Function, name: string): void {
  Object.defineProperty(cls, 'name', { value: name });
}

/**
 * A registry whose errors are built as `new ErrorClass(code, message, { cause })`. `Codes` maps each code to itself.
 * `name` is both the class name and each error's `name` (an own property, as assigned in a constructor).
 */
export function defineErrors<const List extends readonly string[]>(name: string, list: List) {
  type Code = List[number];
  const codes = Object.fromEntries(list.map((code) => [code, code])) as { readonly [C in Code]: C };

  class RegistryError extends Error {
    readonly code: Code;

    constructor(code: Code, message: string, options?: Cause) {
      super(message, options);
      this.name = name;
      this.code = code;
    }
  }
  nameClass(RegistryError, name);

  const isError = (err: unknown, code?: Code): err is RegistryError => hasCode(codes, err, code);
  return { Codes: codes, ErrorClass: RegistryError, isError };
}

/**
 * A registry whose table gives each code its base message: `new ErrorClass(code, detail?, fields?)` has the message
 * `base: detail`, and keeps `fields` (typed extras such as a session index) as own properties, except `cause`, which
 * becomes the standard error cause. An unknown code is a TypeError. `name` is set on the prototype, so it is not an
 * own field and does not travel with the others when an error is serialised.
 */
export function defineErrorCatalog<const Messages extends CodeTable>(className: string, name: string, messages: Messages) {
  type Code = keyof Messages & string;

  class CatalogError extends Error {
    readonly code: Code;
    [field: string]: unknown;

    constructor(code: Code, detail?: string, fields?: Record<string, unknown> & Cause) {
      const base = messages[code];
      if (base === undefined) throw new TypeError(`unknown error code ${String(code)}`);
      const { cause, ...rest } = fields ?? {};
      super(detail ? `${base}: ${detail}` : base, cause === undefined ? undefined : { cause });
      Object.assign(this, rest);
      this.code = code;
    }
  }
  nameClass(CatalogError, className);
  Object.defineProperty(CatalogError.prototype, 'name', { value: name, enumerable: false, writable: true });

  const isError = (err: unknown, code?: Code): err is CatalogError => hasCode(messages, err, code);
  return { Codes: messages, ErrorClass: CatalogError, isError };
}
