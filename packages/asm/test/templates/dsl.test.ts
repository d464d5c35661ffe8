import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evalDsl, interpolate, parseDsl, compileTemplate } from '../../src/templates/index.js';
import type { Value } from '../../src/templates/dsl.js';

const vars = (o: Record<string, Value> = {}) => new Map<string, Value>(Object.entries(o));
const ev = (src: string, o: Record<string, Value> = {}) => evalDsl(src, vars(o));

describe('DSL expressions', () => {
  it('operators, precedence, comparisons', () => {
    assert.equal(ev('1 + 2 * 3'), 7);
    assert.equal(ev('(1 + 2) * 3'), 9);
    assert.equal(ev('status_code == 200 && !contains(body, "x")', { status_code: 200, body: 'abc' }), true);
    assert.equal(ev('status_code == "200"', { status_code: 200 }), true);
    assert.equal(ev('a || b', { a: false, b: true }), true);
    assert.equal(ev('len(body) > 2 ? "long" : "short"', { body: 'abcd' }), 'long');
    assert.equal(ev('"a" + "b" + 1'), 'ab1');
    assert.equal(ev('body =~ "^ab"', { body: 'abc' }), true);
    assert.equal(ev('duration >= 5', { duration: 6.1 }), true);
  });

  it('string escapes follow govaluate (backslash takes the next character)', () => {
    assert.equal(ev("'it\\'s'"), "it's");
    assert.equal(ev('regex("a\\\\.b", "a.b")'), true);
  });

  it('helpers the corpus uses most', () => {
    assert.equal(ev('contains_all(body, "a", "b")', { body: 'ab' }), true);
    assert.equal(ev('contains_any(body, "x", "b")', { body: 'ab' }), true);
    assert.equal(ev('to_lower("AbC") + tolower("X") + to_upper("a")'), 'abcxA');
    assert.equal(ev('md5("admin")'), '21232f297a57a5a743894a0e4a801fc3');
    assert.equal(ev('sha256("abc")'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(ev('base64("admin:admin")'), 'YWRtaW46YWRtaW4=');
    assert.equal(ev('base64_decode("YWRtaW46YWRtaW4=")'), 'admin:admin');
    assert.equal(ev('url_encode("a b&c/é")'), 'a+b%26c%2F%C3%A9'.replace('%C3%A9', '%C3%A9'));
    assert.equal(ev('url_decode("a+b%26c")'), 'a b&c');
    assert.equal(ev('hex_encode("AB")'), '4142');
    assert.equal(ev('hex_decode("4142")'), 'AB');
    assert.equal(ev('replace("aXbX", "X", "-")'), 'a-b-');
    assert.equal(ev('replace_regex("v1.2.3", "[0-9]+", "N")'), 'vN.N.N');
    assert.equal(ev('concat("a", 1, "b")'), 'a1b');
    assert.equal(ev('trim_left("xxa", "x") + trim_right("axx", "x") + trim_space("  b ")'), 'aab');
    assert.equal(ev('starts_with("hello", "x", "he") && ends_with("hello", "lo")'), true);
    assert.equal(ev('len(rand_base(8))'), 8);
    assert.match(String(ev('rand_text_numeric(6)')), /^\d{6}$/);
    assert.match(String(ev('rand_text_alpha(5)')), /^[A-Za-z]{5}$/);
    const n = Number(ev('rand_int(10, 20)'));
    assert.ok(n >= 10 && n < 20);
  });

  it('mmh3 and base64_py give the favicon hash format', () => {
    assert.equal(ev('mmh3("hello")'), '613153351');
    assert.equal(ev('mmh3("foo")'), '-156908512');
    const long = 'x'.repeat(100);
    assert.equal(
      ev('base64_py(s)', { s: long }),
      Buffer.from(long)
        .toString('base64')
        .replace(/(.{76})/g, '$1\n') + '\n',
    );
  });

  it('compare_versions with constraint lists', () => {
    assert.equal(ev("compare_versions('2.4.49', '>= 2.4.49', '< 2.4.51')"), true);
    assert.equal(ev("compare_versions('2.4.51', '>= 2.4.49', '< 2.4.51')"), false);
    assert.equal(ev("compare_versions('v5.3.0', '<= 5.3, >= 5.0')"), true);
    assert.equal(ev("compare_versions('', '< 1')"), false);
  });

  it('unknown helpers are rejected at parse time; unknown variables fail evaluation', () => {
    assert.throws(() => parseDsl('nosuch(1)'), /nosuch\(\) not implemented/);
    assert.throws(() => ev('missing == 1'), /unknown variable/);
  });

  it('a hostile expression cannot run away', () => {
    assert.throws(() => parseDsl('('.repeat(5000) + '1' + ')'.repeat(5000)), /too deep|too long/);
    assert.throws(() => ev('repeat("x", 100000000)'), /too large/);
  });
});

describe('{{…}} interpolation', () => {
  const v = vars({ BaseURL: 'http://h', username: 'admin', password: 'pw', randstr: 'R' });
  it('variables, nested helper calls, and literals left alone', () => {
    assert.equal(interpolate('{{BaseURL}}/login', v), 'http://h/login');
    assert.equal(interpolate("Basic {{base64('{{username}}:{{password}}')}}", v), 'Basic YWRtaW46cHc=');
    assert.equal(interpolate('x={{7*7}}&y={{randstr}}', v), 'x={{7*7}}&y=R');
    assert.equal(interpolate('{{unknown}} {{ BaseURL }}', v), '{{unknown}} http://h');
    assert.equal(interpolate('{{md5(randstr)}}', v), 'e1e1d3d40573127e9ee0480caf1283d6');
  });
});

describe('compile: hostile templates', () => {
  it('YAML alias bombs are refused', () => {
    const bomb = ['id: b', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 12; i++)
      bomb.push(
        `a${i}: &a${i} [${Array(10)
          .fill(i === 0 ? '*a' : `*a${i - 1}`)
          .join(',')}]`,
      );
    bomb.push('http:\n  - path: ["{{BaseURL}}"]\n    matchers: [{type: status, status: [200]}]');
    const r = compileTemplate(bomb.join('\n'), 'bomb.yaml');
    assert.equal(r.status, 'error');
  });

  it('global matchers and JavaScript flows are unsupported with a reason', () => {
    const g = compileTemplate(
      'id: g\nhttp:\n  - global-matchers: true\n    matchers: [{type: word, words: [x]}]\n',
      'g',
    );
    assert.equal(g.status, 'unsupported');
    const f = compileTemplate(
      'id: f\nflow: |\n  http(1);\n  for (;;) {}\nhttp:\n  - path: ["{{BaseURL}}"]\n',
      'f',
    );
    assert.equal(f.status, 'unsupported');
  });
});

describe('generate_jwt and zip', () => {
  it('HS256 tokens verify with the secret; alg none has an empty signature', async () => {
    const { createHmac } = await import('node:crypto');
    const tok = String(evalDsl('generate_jwt(\'{"sub":"admin"}\', "HS256", "s3cret")', new Map()));
    const [h, p, sig] = tok.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), { sub: 'admin' });
    assert.equal(sig, createHmac('sha256', 's3cret').update(`${h}.${p}`).digest('base64url'));
    assert.match(String(evalDsl('generate_jwt(\'{"a":1}\', "none")', new Map())), /^[\w-]+\.[\w-]+\.$/);
  });

  it('zip builds a valid stored archive (headers, CRC-32, central directory)', async () => {
    const { crc32 } = await import('node:zlib');
    const z = Buffer.from(
      String(evalDsl('zip("a.txt", "hello", "dir/b.php", "<?php ?>")', new Map())),
      'latin1',
    );
    const eocd = z.length - 22;
    assert.equal(z.readUInt32LE(eocd), 0x06054b50);
    assert.equal(z.readUInt16LE(eocd + 10), 2);
    let cd = z.readUInt32LE(eocd + 16);
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      assert.equal(z.readUInt32LE(cd), 0x02014b50);
      const nameLen = z.readUInt16LE(cd + 28);
      const local = z.readUInt32LE(cd + 42);
      assert.equal(z.readUInt32LE(local), 0x04034b50);
      const size = z.readUInt32LE(local + 18);
      const data = z.subarray(local + 30 + nameLen, local + 30 + nameLen + size);
      assert.equal(z.readUInt32LE(local + 14), crc32(data));
      names.push(z.subarray(cd + 46, cd + 46 + nameLen).toString());
      if (i === 0) assert.equal(data.toString(), 'hello');
      cd += 46 + nameLen;
    }
    assert.deepEqual(names, ['a.txt', 'dir/b.php']);
  });
});
