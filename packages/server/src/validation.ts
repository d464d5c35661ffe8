import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    // Unknown fields are refused (additionalProperties: false fails), never silently dropped.
    removeAdditional: false,
    useDefaults: true,
    // Query strings, path parameters and headers arrive as text: coerce them. Bodies are JSON:
    // a number where a string belongs is a client error, not something to fix up.
    coerceTypes: coerce ? 'array' : false,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const textAjv = makeAjv(true);
const bodyAjv = makeAjv(false);
const responseAjv = makeAjv(false);

/**
 * Request validators, compiled on first use (start-up time matters for `mamori serve`; most routes are not
 * called in the first second). Fastify reads `.errors` off the function after a failed check.
 */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= ajv.compile(schema as object);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as ((data: unknown) => boolean) & { errors?: ValidateFunction['errors'] };
  return validate as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
};

/**
 * Response schemas of one route, looked up by status: exact, then `4xx`, then `default`. Each is compiled on
 * first use, so start-up does not pay for routes nobody calls (a few hundred ms of CPU for the whole API).
 */
export class ResponseValidators {
  private readonly schemas: Map<string, object>;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(response: Record<string, unknown> | undefined) {
    this.schemas = new Map(Object.entries(response ?? {}) as [string, object][]);
  }

  private find(status: number): ValidateFunction | undefined {
    const key = [String(status), `${String(status)[0]}xx`, 'default'].find((k) => this.schemas.has(k));
    if (key === undefined) return undefined;
    let v = this.compiled.get(key);
    if (!v) {
      v = responseAjv.compile(this.schemas.get(key)!);
      this.compiled.set(key, v);
    }
    return v;
  }

  /** Returns null when the payload fits the route's declared schema, else a short reason. */
  check(status: number, payload: unknown): string | null {
    const v = this.find(status);
    if (!v) return `no response schema for status ${status}`;
    if (v(payload)) return null;
    return responseAjv.errorsText(v.errors);
  }
}

// NUL cannot be stored in PostgreSQL text, and an unpaired surrogate would be silently replaced on the way to
// the database: both are refused at the edge, in bodies, query strings and path parameters alike.
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path (e.g. `body/items/3/name`) of the first string holding NUL or an unpaired surrogate, else null. */
export function findBadText(value: unknown, root: string): string | null {
  // Iterative: a deeply nested body must not exhaust the stack.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (BAD_TEXT.test(k)) return `${path}/(key)`;
        stack.push([x, `${path}/${k}`]);
      }
    }
  }
  return null;
}
