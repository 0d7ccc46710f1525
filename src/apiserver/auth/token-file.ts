// Static bearer tokens, in kube-apiserver's --token-auth-file format: one CSV record per
// token, `token,user,uid[,"group1,group2"]`.

import { readFile } from 'node:fs/promises';
import type { UserInfo } from '../options.ts';

/** Reads a token file; a file that does not exist yields no tokens. */
export async function loadTokenFile(path: string): Promise<Map<string, UserInfo>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  return parseTokenFile(text, path);
}

export function parseTokenFile(text: string, path = 'tokens.csv'): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  for (const record of parseCsv(text)) {
    if (record.length < 3) {
      throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    const [token, name, uid, groups] = record as [string, string, string, string | undefined];
    if (token === '') continue; // upstream warns and skips empty tokens
    const user: UserInfo = { name, groups: groups === undefined ? [] : groups.split(',') };
    if (uid !== '') user.uid = uid;
    tokens.set(token, user);
  }
  return tokens;
}

/** RFC 4180 records as Go's encoding/csv reads them: quoted fields, `""` escapes, blank lines skipped. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const endRecord = () => {
    if (fieldStarted || record.length > 0) {
      record.push(field);
      records.push(record);
    }
    record = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      record.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new Error('unterminated quoted field in CSV');
  endRecord();
  return records;
}
