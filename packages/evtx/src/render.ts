// Rendering of parsed BinXML (templates plus substitution values) to the JSON shape of SigmaHQ's regression
// data (the shape `evtx_dump -o json` popularised) and to XML text.
//
// JSON shape: an element with only text becomes its value (numbers stay numbers); attributes go to
// "#attributes"; an element with neither is null; text next to attributes or child elements goes to "#text".
// <Data Name="X">v</Data> becomes "X": v. Repeated child names (e.g. unnamed <Data>) become an array.
// Attributes whose value is absent (optional substitution without a value) are left out.
import type { ElementNode, Node } from './binxml.js';
import { NestedXml, type Value } from './values.js';

export type JsonValue = null | string | number | boolean | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const NO_VALUES: Value[] = [];

type Visitor = (el: ElementNode | null, values: Value[], scalar: Value) => void;

/** Walk content, expanding template instances and nested-BinXML substitutions in place. */
function walk(nodes: Node[], values: Value[], visit: Visitor, depth: number): void {
  if (depth > 64) return;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    switch (n.k) {
      case 1:
        visit(n, values, null);
        break;
      case 2:
        visit(null, values, n.v);
        break;
      case 3: {
        const v = values[n.index];
        if (v === undefined || v === null) break;
        if (v instanceof NestedXml) walk(v.content as Node[], NO_VALUES, visit, depth + 1);
        else visit(null, values, v);
        break;
      }
      case 4:
        walk(n.template.content, n.values, visit, depth + 1);
        break;
      default:
        break;
    }
  }
}

function scalarText(v: Value): string {
  if (v === null) return '';
  if (Array.isArray(v)) return v.map(scalarText).join(',');
  if (v instanceof NestedXml) return '';
  return String(v);
}

/** An attribute's value: a lone substitution keeps its type; anything else is joined as text. */
function attrValue(value: Node[], values: Value[]): JsonValue | undefined {
  if (value.length === 1) {
    const n = value[0]!;
    if (n.k === 3) {
      const v = values[n.index];
      if (v === undefined || v === null || v instanceof NestedXml) return undefined;
      return v as JsonValue;
    }
    if (n.k === 2) return n.v;
  }
  let s = '';
  let any = false;
  for (const n of value) {
    if (n.k === 2) {
      s += n.v;
      any = true;
    } else if (n.k === 3) {
      const v = values[n.index];
      if (v !== undefined && v !== null) {
        s += scalarText(v);
        any = true;
      }
    }
  }
  return any ? s : undefined;
}

function attributes(el: ElementNode, values: Value[], skip: string | null): JsonObject | null {
  let out: JsonObject | null = null;
  for (const a of el.attrs) {
    if (a.name === skip) continue;
    const v = attrValue(a.value, values);
    if (v === undefined) continue;
    (out ??= {})[a.name] = v;
  }
  return out;
}

function dataName(el: ElementNode, values: Value[]): string | null {
  // A literal Name (the usual case in templates) is cached on the template node: worked out once per chunk.
  if (el.dataName !== undefined) return el.dataName;
  if (el.name !== 'Data') return (el.dataName = null);
  for (const a of el.attrs) {
    if (a.name === 'Name') {
      const v = attrValue(a.value, values);
      const name = v === undefined || v === null ? null : String(v);
      if (a.value.length === 1 && a.value[0]!.k === 2) el.dataName = name;
      return name;
    }
  }
  return (el.dataName = null);
}

/** An element being rendered to JSON: what its children contributed so far. */
interface ElState {
  readonly attrs: JsonObject | null;
  obj: JsonObject | null;
  repeated: Set<string> | null;
  texts: Value[] | null;
  readonly depth: number;
}

/**
 * `walk` specialised for elementJson: the hot path of the reader, so no visitor closure (and its context)
 * per element, just one small state object.
 */
function collect(nodes: Node[], values: Value[], st: ElState, depth: number): void {
  if (depth > 64) return;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    switch (n.k) {
      case 1:
        addChild(st, n, values);
        break;
      case 2:
        (st.texts ??= []).push(n.v);
        break;
      case 3: {
        const v = values[n.index];
        if (v === undefined || v === null) break;
        if (v instanceof NestedXml) collect(v.content as Node[], NO_VALUES, st, depth + 1);
        else (st.texts ??= []).push(v);
        break;
      }
      case 4:
        collect(n.template.content, n.values, st, depth + 1);
        break;
      default:
        break;
    }
  }
}

function addChild(st: ElState, child: ElementNode, cv: Value[]): void {
  let obj = st.obj;
  if (obj === null) {
    obj = st.obj = {};
    if (st.attrs) obj['#attributes'] = st.attrs;
  }
  const name = dataName(child, cv);
  const key = name ?? child.name;
  const val = elementJson(child, cv, name === null ? null : 'Name', st.depth + 1);
  if (obj[key] === undefined) obj[key] = val;
  else if (st.repeated?.has(key)) (obj[key] as JsonValue[]).push(val);
  else {
    obj[key] = [obj[key]!, val];
    (st.repeated ??= new Set()).add(key);
  }
}

function elementJson(el: ElementNode, values: Value[], skipAttr: string | null, depth: number): JsonValue {
  const attrs = attributes(el, values, skipAttr);
  const st: ElState = { attrs, obj: null, repeated: null, texts: null, depth };
  collect(el.children, values, st, depth);
  const t = st.texts;
  let text: JsonValue = null;
  if (t !== null) {
    text = t.length === 1 ? (t[0] as JsonValue) : t.map(scalarText).join('');
    if (typeof text === 'string') text = text.trim();
  }
  const obj = st.obj;
  if (obj !== null) {
    if (text !== null) obj['#text'] = text;
    return obj;
  }
  if (attrs) return text === null ? { '#attributes': attrs } : { '#attributes': attrs, '#text': text };
  return text;
}

/** Render a record's BinXML to the regression-JSON object, e.g. { Event: { System: {...}, EventData: {...} } }. */
export function renderJson(nodes: Node[]): JsonObject {
  const out: JsonObject = {};
  walk(
    nodes,
    NO_VALUES,
    (el, values) => {
      if (el !== null) out[el.name] = elementJson(el, values, null, 0);
    },
    0,
  );
  return out;
}

function escText(s: string): string {
  return /[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s;
}
function escAttr(s: string): string {
  return /[&<>"]/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    : s;
}

function elementXml(el: ElementNode, values: Value[], depth: number): string {
  let s = '<' + el.name;
  for (const a of el.attrs) {
    const v = attrValue(a.value, values);
    if (v === undefined) continue;
    s += ` ${a.name}="${escAttr(scalarText(v as Value))}"`;
  }
  let inner = '';
  walk(
    el.children,
    values,
    (child, cv, scalar) => {
      inner += child === null ? escText(scalarText(scalar)) : elementXml(child, cv, depth + 1);
    },
    depth,
  );
  return inner === '' ? s + '/>' : s + '>' + inner + '</' + el.name + '>';
}

/** Render a record's BinXML to one line of XML (no declaration, no pretty-printing). */
export function renderXml(nodes: Node[]): string {
  let s = '';
  const visit: Visitor = (el, values, scalar) => {
    s += el === null ? escText(scalarText(scalar)) : elementXml(el, values, 0);
  };
  walk(nodes, NO_VALUES, visit, 0);
  return s;
}
