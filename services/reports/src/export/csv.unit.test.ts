import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Poc } from '@poc/contracts';
import { CSV_COLUMNS, csvRecord, neutralise, pocCsvStream } from './csv.ts';

const poc: Poc = {
  id: '0192f3a1-7c4e-7b8a-9c1d-3e5f7a9b1c2d', name: '=1+1', description: 'a, "b"\r\nc', languages: ['go', 'c#'], tags: [], repoUrl: null,
  status: 'idea', startedAt: null, finishedAt: null, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', createdBy: 'u1', version: 1,
};

describe('CSV cells', () => {
  it('a cell starting with =, +, -, @, tab or CR gets a leading quote; others are left alone', () => {
    for (const cell of ['=SUM(A1)', '+1', '-1', '@cmd', '\tx', '\rx']) expect(neutralise(cell)).toBe(`'${cell}`);
    for (const cell of ['plain', 'a=b', '', "'already"]) expect(neutralise(cell)).toBe(cell);
  });

  it('streams pages into RFC 4180 text a standard parser reads back', async () => {
    async function* pages() {
      yield [poc];
      yield [];
      yield [{ ...poc, name: 'Ação' }];
    }
    let text = '';
    for await (const chunk of pocCsvStream(pages(), { bom: true })) text += String(chunk);
    expect(text.startsWith('\ufeff')).toBe(true);
    const rows = parse(text, { bom: true }) as string[][];
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.slice(1)).toEqual([csvRecord(poc), csvRecord({ ...poc, name: 'Ação' })]);
    expect(rows[1]![1]).toBe("'=1+1");
    expect(rows[1]![4]).toBe('go; c#');
  });
});
