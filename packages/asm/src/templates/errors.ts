/** The template uses a feature this engine deliberately does not run (reason in the message). */
export class UnsupportedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsupportedError';
  }
}

/** The template is malformed (bad YAML, bad field, invalid regex). */
export class TemplateError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'TemplateError';
  }
}

/** A request's target was refused by the scope check. */
export class ScopeRefusedError extends Error {
  constructor(
    public readonly host: string,
    public readonly port: number,
  ) {
    super(`out of scope: ${host}:${port}`);
    this.name = 'ScopeRefusedError';
  }
}
