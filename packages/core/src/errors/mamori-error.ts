import { errorCatalog, type ErrorCode } from './catalog.js';

export type ErrorParams = Record<string, string | number>;

function fill(template: string, params: ErrorParams | undefined): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    params && key in params ? String(params[key]) : whole,
  );
}

/**
 * The one error type Mamori raises on purpose. Its code names a catalogue entry, which gives the HTTP
 * status and the English and Japanese messages; `details` carries machine-readable specifics.
 */
export class MamoriError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly messageJa: string;
  readonly params: ErrorParams | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, params?: ErrorParams, details?: unknown, options?: { cause?: unknown }) {
    const entry = errorCatalog[code];
    super(fill(entry.en, params), options);
    this.name = 'MamoriError';
    this.code = code;
    this.status = entry.status;
    this.messageJa = fill(entry.ja, params);
    this.params = params;
    this.details = details;
  }

  /** The API's error body. */
  toBody(): { error: { code: ErrorCode; message: string; messageJa: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        messageJa: this.messageJa,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export function isMamoriError(err: unknown): err is MamoriError {
  return err instanceof MamoriError;
}
