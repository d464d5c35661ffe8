// XPath over HTML is not implemented yet: templates that use it are reported unsupported with this reason.
import { UnsupportedError } from './errors.js';

export interface XPathQuery {
  src: string;
}

export function compileXPath(src: string): XPathQuery {
  throw new UnsupportedError(`xpath queries are not implemented (${src.slice(0, 60)})`);
}

export function evalXPath(_q: XPathQuery, _html: string, _attribute?: string): string[] {
  return [];
}
