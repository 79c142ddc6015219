#!/usr/bin/env node
// Lists exported declarations in src/ without a TSDoc comment (`/** … */`), one `file:line name`
// a line, and exits 1 when there are any. With `--members`, also the public methods of exported
// classes and the fields of exported interfaces.
//   node scripts/undocumented-exports.mjs [--members] [folder…]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const members = process.argv.includes('--members');
const folders = process.argv.slice(2).filter((argument) => argument !== '--members');
const roots = folders.length > 0 ? folders : ['src'];

function* files(entry) {
  if (statSync(entry).isDirectory()) {
    for (const name of readdirSync(entry).sort()) yield* files(path.join(entry, name));
  } else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts') && path.basename(entry) !== 'index.ts')
    yield entry;
}

const isExported = (node) =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const hasDoc = (node, text) =>
  (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).some((range) =>
    text.slice(range.pos, range.end).startsWith('/**'),
  );

const missing = [];
for (const root of roots) {
  for (const file of files(root)) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const report = (node, name) => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      missing.push(`${file}:${line + 1} ${name}`);
    };
    for (const statement of source.statements) {
      if (!isExported(statement)) continue;
      const names = ts.isVariableStatement(statement)
        ? statement.declarationList.declarations.map((declaration) => declaration.name.getText())
        : [statement.name?.getText() ?? '(default)'];
      if (!hasDoc(statement, text)) report(statement, names.join(', '));
      // Members of exported classes and interfaces are documented too (public methods, options).
      if (members && (ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement))) {
        for (const member of statement.members) {
          const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
          if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) continue;
          if (member.name && ts.isPrivateIdentifier(member.name)) continue;
          if (ts.isConstructorDeclaration(member) || ts.isIndexSignatureDeclaration(member)) continue;
          if (
            ts.isClassDeclaration(statement) &&
            !ts.isMethodDeclaration(member) &&
            !ts.isGetAccessor(member)
          )
            continue;
          if (!hasDoc(member, text)) report(member, `${names[0]}.${member.name?.getText() ?? '?'}`);
        }
      }
    }
  }
}
for (const line of missing) console.log(line);
console.error(`${missing.length} undocumented export${missing.length === 1 ? '' : 's'}`);
process.exit(missing.length > 0 ? 1 : 0);
