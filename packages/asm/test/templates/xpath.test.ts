import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileXPath, evalXPath, xpathMatches } from '../../src/templates/xpath.js';

const page = `<!DOCTYPE html><html><head><title>Login &amp; more</title>
<link rel="stylesheet" href="https://cdn.example/x.css">
<link rel="stylesheet" href="https://cdn.example/y.css" integrity="sha384-abc">
<script src="//cdn.example/a.js"></script><script>if (a < b) { x = "</div>"; }</script></head>
<body><div id="top"><form action="/login"><input type="hidden" name="authenticity_token" value="tok&#61;1">
<input name="user"><input name="pass" type="password"></form></div>
<div><form><div><input id='_wpnonce' value='n1'><input id='_wpnonce' value='n2'></div></form></div>
<p>unclosed <b>bold <i>italic</p><br></body></html>`;

const x = (q: string, attr?: string) => evalXPath(compileXPath(q), page, attr);

describe('xpath', () => {
  it('absolute paths, positions and attributes', () => {
    assert.deepEqual(x('/html/head/title'), ['Login & more']);
    assert.deepEqual(x('/html/body/div/form/input[2]', 'name'), ['user']);
    assert.deepEqual(x('/html/body/div[2]/form/div/input[1]', 'value'), ['n1']);
    assert.deepEqual(x('//input[@name="authenticity_token"]/@value'), ['tok=1']);
    assert.deepEqual(x("//input[@id='_wpnonce'][1]", 'value'), ['n1']);
    assert.deepEqual(x('//*[@id="top"]', 'id'), ['top']);
  });

  it('functions used by the corpus (contains, not, matches, translate) and unions', () => {
    const sri =
      "//link[@rel='stylesheet' and contains(@href, '//') and (not(@integrity) or not(matches(translate(@integrity, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ+/-=', 'abcdefghijklmnopqrstuvwxyz+/-='), '^sha(256|384|512)-')))]";
    assert.deepEqual(x(sri, 'href'), ['https://cdn.example/x.css']);
    assert.equal(x('//*/@href|//*/@src').length, 3);
    assert.equal(xpathMatches(compileXPath("/html/head/title[contains(text(), 'Login')]"), page), true);
    assert.equal(xpathMatches(compileXPath("/html/head/title[contains(text(), 'Nope')]"), page), false);
  });

  it('XML with CDATA (config files)', () => {
    const xml =
      '<?xml version="1.0"?><config><global><resources><default_setup><connection><username><![CDATA[root]]></username></connection></default_setup></resources></global></config>';
    assert.deepEqual(
      evalXPath(compileXPath('/config/global/resources/default_setup/connection/username'), xml),
      ['root'],
    );
  });

  it('unsupported syntax is refused at compile time', () => {
    assert.throws(() => compileXPath('//a/following-sibling::b'), /not supported/);
    assert.throws(() => compileXPath('//a[position() > 1]'), /not supported/);
  });

  it('hostile markup does not hang', () => {
    const deep = '<div>'.repeat(50_000) + 'x';
    const t = Date.now();
    assert.equal(evalXPath(compileXPath('//div'), deep).length > 0, true);
    assert.ok(Date.now() - t < 5000);
  });
});
