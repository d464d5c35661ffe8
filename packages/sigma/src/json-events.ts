// Events from JSON text: one document, an array, NDJSON, or objects written one after another
// (the regression samples concatenate pretty-printed objects).

/** Parse JSON events; throws with the byte offset when the text is not JSON. */
export function parseJsonEvents(text: string): unknown[] {
  const out: unknown[] = [];
  const n = text.length;
  let i = 0;
  const skipWs = (): void => {
    while (i < n && (text.charCodeAt(i) <= 32 || text.charCodeAt(i) === 0xfeff)) i++;
  };
  skipWs();
  while (i < n) {
    const start = i;
    const first = text[i];
    if (first !== '{' && first !== '[') throw new Error(`JSON event expected at offset ${start}`);
    // Find the end of this value by bracket depth, skipping strings.
    let depth = 0;
    let inStr = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (inStr) {
        if (c === 92) i++;
        else if (c === 34) inStr = false;
      } else if (c === 34) inStr = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) throw new Error(`unterminated JSON value at offset ${start}`);
    let v: unknown;
    try {
      v = JSON.parse(text.slice(start, i));
    } catch (err) {
      throw new Error(
        `invalid JSON at offset ${start}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (Array.isArray(v) && first === '[') out.push(...v);
    else out.push(v);
    skipWs();
  }
  return out;
}
