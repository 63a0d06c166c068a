import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '@ticketing/testing';
import { csvCell, csvRow } from '../src/csv.ts';

describe('csvCell / csvRow', () => {
  it('quotes commas, quotes and line breaks, and reads back as written', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '', 'ünïcödé'];
    const text = csvRow(values) + csvRow(values);
    assert.deepEqual(parseCsv(text), [values, values]);
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const evil of ['=HYPERLINK("http://x","y")', '+1+2', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      const cell = csvCell(evil);
      const [[read]] = parseCsv(cell + '\r\n') as [[string]];
      assert.equal(read, `'${evil}`, JSON.stringify(evil));
    }
    assert.equal(csvCell('a=b'), 'a=b', 'only a leading character counts');
  });

  it('writes numbers, booleans and empty values as they are', () => {
    assert.equal(csvRow([12, -3, true, null, undefined]), '12,-3,true,,\r\n');
  });
});
