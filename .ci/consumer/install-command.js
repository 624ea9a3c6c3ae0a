'use strict';
// Prints the README's install command for one Nest major, as the consumer check runs it:
// `node install-command.js <README.md> <nest11|nest12> <tarball>`.
// The command is the fenced ```sh block right after the line `<!-- install: <major> -->`; the
// package name `nest-token-auth` in it becomes the tarball's path, everything else stays as written.
const { readFileSync } = require('node:fs');

const [readme, major, tarball] = process.argv.slice(2);
if (!readme || !major || !tarball) {
  console.error('usage: node install-command.js <README.md> <nest11|nest12> <tarball>');
  process.exit(2);
}
const fail = (message) => {
  console.error(`install-command: ${readme}: ${message}`);
  process.exit(1);
};

const lines = readFileSync(readme, 'utf8').split(/\r?\n/);
const marker = `<!-- install: ${major} -->`;
const at = lines.findIndex((line) => line.trim() === marker);
if (at < 0) fail(`no line "${marker}"`);
let open = at + 1;
while (open < lines.length && lines[open].trim() === '') open++;
if (!/^```(sh|bash|shell)\s*$/.test(lines[open] ?? '')) fail(`"${marker}" is not followed by a \`\`\`sh block`);
const close = lines.findIndex((line, i) => i > open && line.trim() === '```');
if (close < 0) fail(`the block after "${marker}" is not closed`);

// One command: continuation lines joined, comment lines dropped.
const commands = lines
  .slice(open + 1, close)
  .join('\n')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
if (commands.length !== 1) fail(`the block after "${marker}" must hold exactly one command (found ${commands.length})`);
const words = commands[0].split(/\s+/);
if (words[0] !== 'npm' || !['i', 'install', 'add'].includes(words[1])) fail(`the command must be "npm i ..." (found "${commands[0]}")`);
// Plain package specs only: the command is run by the shell, so nothing in it may be shell syntax.
const bad = words.filter((word) => !/^[A-Za-z0-9@/._^~=<>:+-]+$/.test(word) || /^[<>]|[<>]$/.test(word));
if (bad.length) fail(`unexpected words in the command: ${bad.join(' ')}`);
const named = words.filter((word) => word === 'nest-token-auth' || word.startsWith('nest-token-auth@'));
if (named.length !== 1) fail(`the command must name nest-token-auth once (found ${named.length})`);
console.log(words.map((word) => (word === named[0] ? tarball : word)).join(' '));
