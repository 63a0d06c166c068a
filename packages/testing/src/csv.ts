/**
 * A strict RFC 4180 reader for tests: CRLF records, fields quoted with doubled quotes inside.
 * Throws on anything a spreadsheet would have to guess at (a bare quote in an unquoted field,
 * text after a closing quote, an unterminated quote, a bare LF, records of different widths).
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not valid CSV at offset ${i}: ${why}`);
  };
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && !text.startsWith('\r\n', i)) fail('text after a closing quote');
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') fail('quote inside an unquoted field');
        field += text[i++];
      }
      if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) fail('line break that is not CRLF');
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
      if (i >= text.length) record.push('');
    } else {
      i += 2;
      records.push(record);
      record = [];
    }
  }
  if (record.length > 0) records.push(record);
  const width = records[0]?.length;
  for (const r of records) if (r.length !== width) throw new Error(`not valid CSV: a record has ${r.length} fields, the first ${width}`);
  return records;
}
