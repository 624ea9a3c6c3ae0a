/**
 * Reads the README's quick start as a reader would: the files it shows (each after a
 * `<!-- file: <path> -->` marker) and the shell session it asks them to type. The session is parsed,
 * not copied, so the test runs exactly the README's lines; a construct this parser does not know fails
 * the test instead of being skipped.
 */

/** The text of a level-2 section, from its heading to the next level-2 heading. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** Every `<!-- file: path -->` marker with the fenced block that follows it (content without the fences). */
export function markedFiles(markdown: string): { path: string; content: string }[] {
  const files: { path: string; content: string }[] = [];
  const marker = /<!-- file: (\S+) -->\n```[a-z]*\n([\s\S]*?)^```$/gm;
  for (let match = marker.exec(markdown); match; match = marker.exec(markdown)) files.push({ path: match[1], content: match[2] });
  return files;
}

/** The fenced `sh` blocks of a section that run `curl`. */
export function curlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]).filter((block) => /^\s*(\w+=\$\()?curl /m.test(block));
}

/** A request the session makes, as curl would send it. */
export interface CurlRequest {
  method: string;
  url: string;
  headers: [string, string][];
  data: string | null;
  /** `-w '%{http_code}\n'`: print the status code after the body. */
  writeStatus: boolean;
}

/** One step of the session: a variable set to a word, a request (its output optionally captured through `jq -r .field`). */
export type Step =
  | { kind: 'set'; name: string; words: Word[] }
  | { kind: 'curl'; line: string; words: Word[]; capture: { name: string; field: string } | null; expected: string | null };

/** A shell word before expansion: literal parts and `$NAME` references. */
type Word = (string | { variable: string })[];

/** Parses a session block: commands, `NAME=value`, `NAME=$(curl ... | jq -r .field)`, and `# output` lines. */
export function parseSession(block: string): Step[] {
  const steps: Step[] = [];
  const lines = block.replace(/\\\n\s*/g, '').split('\n');
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const last = steps[steps.length - 1];
      if (!last || last.kind !== 'curl' || last.capture) throw new Error(`output line follows no printing command: ${line}`);
      const text = line.replace(/^# ?/, '');
      last.expected = last.expected === null ? text : `${last.expected}\n${text}`;
      continue;
    }
    for (const statement of splitStatements(line)) steps.push(parseStatement(statement));
  }
  return steps;
}

/** Expands a word against the session's variables; an unset variable is an error (the reader's shell would send nothing). */
export function expand(word: Word, variables: Map<string, string>): string {
  return word
    .map((part) => {
      if (typeof part === 'string') return part;
      const value = variables.get(part.variable);
      if (value === undefined) throw new Error(`$${part.variable} is used before it is set`);
      return value;
    })
    .join('');
}

/** Reads curl's arguments (after expansion); any option this runner does not implement is an error. */
export function curlRequest(args: string[]): CurlRequest {
  if (args[0] !== 'curl') throw new Error(`not a curl command: ${args.join(' ')}`);
  const request: CurlRequest = { method: '', url: '', headers: [], data: null, writeStatus: false };
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      if (i + 1 >= args.length) throw new Error(`curl ${arg} needs a value`);
      return args[++i];
    };
    if (arg === '-s') continue;
    else if (arg === '-X') request.method = value();
    else if (arg === '-d') request.data = value();
    else if (arg === '-H') {
      const header = value();
      const colon = header.indexOf(':');
      if (colon < 1) throw new Error(`curl -H needs "Name: value" (got ${header})`);
      request.headers.push([header.slice(0, colon), header.slice(colon + 1).trim()]);
    } else if (arg === '-w') {
      if (value() !== '%{http_code}\\n') throw new Error(`only -w '%{http_code}\\n' is supported`);
      request.writeStatus = true;
    } else if (!arg.startsWith('-') && request.url === '') request.url = arg;
    else throw new Error(`unsupported curl argument: ${arg}`);
  }
  if (request.url === '') throw new Error('curl without a URL');
  request.method ||= request.data === null ? 'GET' : 'POST';
  return request;
}

function parseStatement(statement: string): Step {
  const capture = /^([A-Za-z_]\w*)=\$\((.*)\)$/.exec(statement);
  if (capture) {
    const [command, filter, ...rest] = statement.slice(capture[1].length + 3, -1).split(' | ');
    const jq = /^jq -r \.([A-Za-z_]\w*)$/.exec(filter ?? '');
    if (!jq || rest.length) throw new Error(`only NAME=$(curl ... | jq -r .field) is supported: ${statement}`);
    return { kind: 'curl', line: statement, words: words(command), capture: { name: capture[1], field: jq[1] }, expected: null };
  }
  const assignment = /^([A-Za-z_]\w*)=(.*)$/.exec(statement);
  if (assignment) {
    const value = words(assignment[2]);
    if (value.length !== 1) throw new Error(`an assignment takes one word: ${statement}`);
    return { kind: 'set', name: assignment[1], words: value };
  }
  const parsed = words(statement);
  if (parsed.length === 0 || parsed[0].join('') !== 'curl') throw new Error(`unsupported shell line (only curl and assignments): ${statement}`);
  return { kind: 'curl', line: statement, words: parsed, capture: null, expected: null };
}

/** Splits a line on `;` outside quotes. */
function splitStatements(line: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let current = '';
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ';') {
      out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (quote) throw new Error(`unclosed quote: ${line}`);
  if (current.trim()) out.push(current.trim());
  return out.filter(Boolean);
}

/** POSIX-style words: '...' is literal, "..." and bare text expand $NAME and ${NAME}. */
function words(text: string): Word[] {
  const out: Word[] = [];
  let word: Word | null = null;
  const literal = (s: string) => {
    word ??= [];
    if (typeof word[word.length - 1] === 'string') word[word.length - 1] += s;
    else word.push(s);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      if (word) out.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      literal(text.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      expandInto(text.slice(i + 1, end), literal, (name) => (word ??= []).push({ variable: name }));
      literal('');
      i = end;
    } else if (c === '$') {
      const reference = /^\$(?:(\w+)|\{(\w+)\})/.exec(text.slice(i));
      if (!reference) throw new Error(`unsupported shell syntax after "$" in: ${text}`);
      (word ??= []).push({ variable: reference[1] ?? reference[2] });
      i += reference[0].length - 1;
    } else if ('\\|&<>`(){}*?[]~#'.includes(c)) {
      throw new Error(`unsupported shell syntax "${c}" in: ${text}`);
    } else literal(c);
  }
  if (word) out.push(word);
  return out;
}

function expandInto(text: string, literal: (s: string) => void, variable: (name: string) => void): void {
  const pattern = /\$(\w+)|\$\{(\w+)\}/g;
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    literal(text.slice(last, match.index));
    variable(match[1] ?? match[2]);
    last = match.index + match[0].length;
  }
  if (/[`\\]/.test(text)) throw new Error(`unsupported characters in double quotes: ${text}`);
  literal(text.slice(last));
}
