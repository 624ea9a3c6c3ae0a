import { join, relative } from 'node:path';
import ts from 'typescript';

// The public surface is what lib/index.ts exports. This walks every exported declaration with the
// compiler (strict, no skipLibCheck) and fails when a type reachable through a public signature is
// `any`, or is declared in lib/ without being exported from the index.
const LIB = join(__dirname, '../../lib');
const INDEX = join(LIB, 'index.ts');

function analyse() {
  const program = ts.createProgram([INDEX], {
    strict: true,
    noImplicitAny: true,
    skipLibCheck: false,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    strictPropertyInitialization: false,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const inLib = (node: ts.Node) => !relative(LIB, node.getSourceFile().fileName).startsWith('..');
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? relative(LIB, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);

  const index = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  const exported = new Set<ts.Symbol>();
  const roots: Array<[string, ts.Symbol]> = [];
  for (const symbol of checker.getExportsOfModule(index)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    exported.add(target);
    roots.push([symbol.name, target]);
  }

  const anys: string[] = [];
  const unexported = new Set<string>();
  const seen = new Set<ts.Type>();
  // `prototype` repeats the instance type with `any` type arguments; it is TypeScript's, not ours.
  const isPublicMember = (member: ts.Symbol) =>
    member.name !== 'prototype' &&
    (member.declarations ?? []).every((d) => inLib(d) && !(ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !member.name.startsWith('#'));
  // Nest builds @Injectable() classes; their constructors are not called by users.
  const builtByNest = (signature: ts.Signature) => {
    const owner = signature.getDeclaration()?.parent;
    return !!owner && ts.isClassDeclaration(owner) && (ts.getDecorators(owner) ?? []).some((d) => d.expression.getText().startsWith('Injectable('));
  };

  const visitSignature = (signature: ts.Signature, path: string) => {
    for (const parameter of signature.getParameters()) visit(checker.getTypeOfSymbol(parameter), `${path}(${parameter.name})`);
    visit(signature.getReturnType(), `${path}()`);
  };

  function visit(type: ts.Type, path: string): void {
    if (type.flags & ts.TypeFlags.Any) {
      anys.push(path);
      return;
    }
    if (seen.has(type)) return;
    seen.add(type);
    for (const argument of [...(type.aliasTypeArguments ?? []), ...((type as ts.TypeReference).target ? checker.getTypeArguments(type as ts.TypeReference) : [])]) {
      visit(argument, `${path}<>`);
    }
    if (type.isUnionOrIntersection()) return type.types.forEach((member) => visit(member, path));
    const symbol = type.aliasSymbol ?? type.getSymbol();
    const declarations = symbol?.declarations ?? [];
    // Types of Nest, TypeORM, Node: their own business; only their type arguments are ours.
    if (!declarations.some(inLib)) return;
    const named = symbol && symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum);
    if (named && !exported.has(symbol)) unexported.add(`${symbol.name} (reached from ${path})`);
    for (const member of checker.getPropertiesOfType(type)) {
      if (isPublicMember(member)) visit(checker.getTypeOfSymbol(member), `${path}.${member.name}`);
    }
    for (const signature of type.getCallSignatures()) visitSignature(signature, path);
    for (const signature of type.getConstructSignatures()) if (!builtByNest(signature)) visitSignature(signature, `new ${path}`);
    for (const info of checker.getIndexInfosOfType(type)) if (info.declaration && inLib(info.declaration)) visit(info.type, `${path}[]`);
  }

  for (const [name, symbol] of roots) {
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) visit(checker.getDeclaredTypeOfSymbol(symbol), name);
    if (symbol.flags & ts.SymbolFlags.Class) visit(checker.getDeclaredTypeOfSymbol(symbol), name);
    if (symbol.flags & ts.SymbolFlags.Value) visit(checker.getTypeOfSymbol(symbol), name);
  }
  return { diagnostics, anys, unexported: [...unexported] };
}

describe('the public type surface (lib/index.ts)', () => {
  const result = analyse();

  it('compiles under strict, noImplicitAny and skipLibCheck: false', () => {
    expect(result.diagnostics).toEqual([]);
  });

  it('has no type that resolves to any', () => {
    expect(result.anys).toEqual([]);
  });

  it('exports every type declared in lib/ that a public signature uses', () => {
    expect(result.unexported).toEqual([]);
  });
});
