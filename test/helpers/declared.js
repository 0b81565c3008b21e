'use strict';
// Compares real objects with the types index.d.ts declares for them, key by key, with the
// TypeScript compiler's own reading of the declarations: a key the object lacks but the type
// requires, or one the type does not declare, is reported with its path.

const ts = require('typescript');
const path = require('node:path');

const INDEX = path.join(__dirname, '..', '..', 'index.d.ts');

let cached = null;

/** The compiler's checker over index.d.ts, and its `leakwatch` namespace's exports by name. */
function declarations() {
  if (cached) return cached;
  const program = ts.createProgram([INDEX], { strict: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(INDEX);
  const namespace = file && file.statements.find((s) => ts.isModuleDeclaration(s) && s.name.text === 'leakwatch');
  if (!namespace) throw new Error('index.d.ts declares no namespace leakwatch');
  const symbol = checker.getSymbolAtLocation(/** @type {ts.ModuleDeclaration} */ (namespace).name);
  cached = { checker, exports: new Map(checker.getExportsOfModule(symbol).map((s) => [s.name, s])) };
  return cached;
}

const NULLISH = ts.TypeFlags.Null | ts.TypeFlags.Undefined;

/** Where `value` differs from `type` in its keys, as "path: message" lines. */
function differences(checker, type, value, at) {
  if (value === null || typeof value !== 'object' || value instanceof Date) return [];
  const types = type.isUnion() ? type.types.filter((t) => !(t.flags & NULLISH)) : [type];
  if (types.length !== 1) return [];
  const [declared] = types;
  if (Array.isArray(value)) {
    const element = declared.getNumberIndexType();
    return element ? value.flatMap((item, i) => differences(checker, element, item, `${at}[${i}]`)) : [];
  }
  const properties = checker.getPropertiesOfType(declared);
  // A record (Record<string, number>) declares no names.
  if (properties.length === 0) return [];
  const found = [];
  const names = new Set(properties.map((p) => p.name));
  for (const p of properties) {
    const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
    if (!optional && !(p.name in value)) found.push(`${at}.${p.name}: declared, missing`);
  }
  for (const key of Object.keys(value)) {
    if (!names.has(key)) found.push(`${at}.${key}: present, not declared`);
  }
  for (const p of properties) {
    if (!(p.name in value)) continue;
    const declaration = p.valueDeclaration ?? p.declarations?.[0];
    if (!declaration) continue;
    found.push(...differences(checker, checker.getTypeOfSymbolAtLocation(p, declaration), value[p.name], `${at}.${p.name}`));
  }
  return found;
}

/**
 * Throws an AssertionError listing every key of `value` (and of the objects it holds, as declared)
 * that index.d.ts's `leakwatch.typeName` lacks, and every required key `value` lacks.
 */
function assertDeclared(value, typeName) {
  const { checker, exports } = declarations();
  const symbol = exports.get(typeName);
  if (!symbol) throw new Error(`index.d.ts declares no leakwatch.${typeName}`);
  const found = differences(checker, checker.getDeclaredTypeOfSymbol(symbol), value, typeName);
  if (found.length > 0) {
    const assert = require('node:assert/strict');
    assert.fail(`${typeName} as declared in index.d.ts and as leakwatch makes it differ:\n  ${found.join('\n  ')}`);
  }
}

module.exports = { assertDeclared };
