#!/usr/bin/env node
// Fails (exit 1, one line per item) when anything on the public surface lacks a doc comment:
// every export of lib/index.ts (namespaces nn and optim followed), every public or protected
// class member and constructor, every interface property and method, every property of the
// exported namespace objects (filters, image, io, backends), and every field of an inline
// options object literal in an exported signature. A member that overrides a documented base
// member inherits its doc, as TypeScript's hover does. Prints the count it checked.
'use strict';
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const configPath = path.join(root, 'tsconfig.json');
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const entry = path.join(root, 'lib', 'index.ts');
const program = ts.createProgram([entry], { ...config.options, noEmit: true });
const checker = program.getTypeChecker();

const missing = [];
let checked = 0;
const seen = new Set();

function hasDoc(node) {
  return ts.getJSDocCommentsAndTags(node).some((d) => {
    if (ts.isJSDoc(d)) return (typeof d.comment === 'string' ? d.comment : (d.comment ?? []).map((c) => c.text).join('')).trim() !== '';
    return false;
  });
}

function where(node) {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
  return `${path.relative(root, sf.fileName)}:${line + 1}`;
}

function require_(node, name) {
  if (seen.has(node)) return;
  seen.add(node);
  checked++;
  if (!hasDoc(node)) missing.push(`${where(node)} ${name}`);
}

// Inline object literals in parameter and return types: each field needs its own doc.
function checkTypeNode(typeNode, name) {
  if (!typeNode) return;
  if (ts.isTypeLiteralNode(typeNode)) {
    for (const m of typeNode.members) if (m.name) require_(m, `${name}.${m.name.getText()}`);
  } else if (ts.isIntersectionTypeNode(typeNode) || ts.isUnionTypeNode(typeNode)) {
    for (const t of typeNode.types) checkTypeNode(t, name);
  }
}

function checkSignature(decl, name) {
  for (const p of decl.parameters ?? []) checkTypeNode(p.type, `${name}(${p.name.getText()})`);
  if (decl.type) checkTypeNode(decl.type, `${name}()`);
}

function isPrivate(decl) {
  const mods = ts.canHaveModifiers(decl) ? ts.getModifiers(decl) ?? [] : [];
  return mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword) || (decl.name && ts.isPrivateIdentifier(decl.name));
}

// A class member without its own doc passes when the member it overrides has one.
function inheritedDoc(classDecl, memberName) {
  const type = checker.getTypeAtLocation(classDecl);
  const bases = type.isClassOrInterface() ? checker.getBaseTypes(type) : [];
  for (const base of bases) {
    const prop = base.getProperty(memberName);
    if (prop && prop.getDocumentationComment(checker).length > 0) return true;
  }
  return false;
}

function checkClass(decl, name) {
  require_(decl, name);
  for (const m of decl.members) {
    if (isPrivate(m) || ts.isClassStaticBlockDeclaration(m) || ts.isIndexSignatureDeclaration(m)) continue;
    if (ts.isConstructorDeclaration(m)) {
      require_(m, `${name}.constructor`);
      for (const p of m.parameters) {
        if (ts.isParameterPropertyDeclaration(p, m) && !isPrivate(p)) require_(p, `${name}.${p.name.getText()}`);
      }
      checkSignature(m, `${name}.constructor`);
      continue;
    }
    if (!m.name) continue;
    const memberName = `${name}.${m.name.getText()}`;
    if (!hasDoc(m) && inheritedDoc(decl, m.name.getText())) { seen.add(m); checked++; continue; }
    require_(m, memberName);
    if (ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m)) checkSignature(m, memberName);
  }
  // The abstract base classes behind exported ones (Pool2d, Elementwise) are checked through
  // their exported subclasses' inherited members.
  const type = checker.getTypeAtLocation(decl);
  for (const base of type.isClassOrInterface() ? checker.getBaseTypes(type) : []) {
    const bd = base.symbol?.declarations?.find(ts.isClassDeclaration);
    if (bd && !seen.has(bd)) checkClass(bd, base.symbol.name);
  }
}

function checkInterface(decl, name) {
  require_(decl, name);
  for (const m of decl.members) {
    if (!m.name) continue;
    require_(m, `${name}.${m.name.getText()}`);
    if (ts.isMethodSignature(m)) checkSignature(m, `${name}.${m.name.getText()}`);
    else if (m.type) checkTypeNode(m.type, `${name}.${m.name.getText()}`);
  }
  for (const h of decl.heritageClauses ?? []) for (const t of h.types) {
    const sym = checker.getSymbolAtLocation(t.expression);
    const target = sym && (sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym);
    for (const d of target?.declarations ?? []) if (ts.isInterfaceDeclaration(d)) checkInterface(d, target.name);
  }
}

function checkVariable(decl, name) {
  // The doc of `export const x = ...` sits on its VariableStatement.
  require_(decl.parent.parent, name);
  if (decl.type) checkTypeNode(decl.type, name);
  const init = decl.initializer;
  const obj = init && ts.isCallExpression(init) && init.arguments.length === 1 ? init.arguments[0] : init;
  if (obj && ts.isObjectLiteralExpression(obj) && !decl.type) {
    for (const p of obj.properties) {
      if (!p.name) continue;
      require_(p, `${name}.${p.name.getText()}`);
      if (ts.isMethodDeclaration(p)) checkSignature(p, `${name}.${p.name.getText()}`);
    }
  }
}

function checkSymbol(sym, name) {
  const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  for (const decl of target.declarations ?? []) {
    if (ts.isSourceFile(decl)) {
      // export * as nn: the namespace's doc is on the export declaration in lib/index.ts.
      const exportDecl = sym.declarations?.find((d) => ts.isNamespaceExport(d));
      if (exportDecl) require_(exportDecl.parent, name);
      for (const e of checker.getExportsOfModule(target)) checkSymbol(e, `${name}.${e.name}`);
    } else if (ts.isClassDeclaration(decl)) checkClass(decl, name);
    else if (ts.isInterfaceDeclaration(decl)) checkInterface(decl, name);
    else if (ts.isFunctionDeclaration(decl)) { require_(decl, name); checkSignature(decl, name); }
    else if (ts.isTypeAliasDeclaration(decl)) { require_(decl, name); checkTypeNode(decl.type, name); }
    else if (ts.isVariableDeclaration(decl)) checkVariable(decl, name);
    else missing.push(`${where(decl)} ${name}: unhandled declaration kind ${ts.SyntaxKind[decl.kind]}`);
  }
}

const mod = checker.getSymbolAtLocation(program.getSourceFile(entry));
const publicExports = checker.getExportsOfModule(mod);
for (const e of publicExports) checkSymbol(e, e.name);

if (missing.length) {
  console.error(`check-docs: ${missing.length} of ${checked} public items have no doc comment:`);
  for (const m of missing) console.error(`  ${m}`);
  process.exit(1);
}
console.log(`check-docs: ${publicExports.length} exports, ${checked} documented items (declarations, members, option fields), none missing`);
