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

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

/** Compiled response schemas of one route, looked up by status: exact, then `4xx`, then `default`. */
export class ResponseValidators {
  private readonly byKey = new Map<string, ValidateFunction>();

  constructor(response: Record<string, unknown> | undefined) {
    for (const [key, schema] of Object.entries(response ?? {})) {
      this.byKey.set(key, responseAjv.compile(schema as object));
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  has(status: number): boolean {
    return this.find(status) !== undefined;
  }

  private find(status: number): ValidateFunction | undefined {
    return (
      this.byKey.get(String(status)) ?? this.byKey.get(`${String(status)[0]}xx`) ?? this.byKey.get('default')
    );
  }

  /** Returns null when the payload fits the route's declared schema, else a short reason. */
  check(status: number, payload: unknown): string | null {
    const v = this.find(status);
    if (!v) return `no response schema for status ${status}`;
    if (v(payload)) return null;
    return responseAjv.errorsText(v.errors);
  }
}
