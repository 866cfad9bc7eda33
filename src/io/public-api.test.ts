import { test } from 'node:test';
import assert from 'node:assert/strict';
import ts from 'typescript';

/**
 * Architecture rule (beside the depcruise rules, which see imports but not types): nothing the io
 * folder exports for Kafka (src/io/kafka.ts, re-exported by index.ts; only src/io/kafka-*.ts import
 * kafkajs) has a type that mentions a kafkajs declaration. Commands get
 * KafkaCluster, sources and sinks, never a Kafka client, producer or consumer, so every Kafka
 * call goes through io's error mapping, size limits and outage handling.
 */
test('src/io exports sources, sinks and a cluster handle, never a kafkajs type', () => {
  const program = ts.createProgram(['src/io/kafka.ts'], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile('src/io/kafka.ts');
  assert.ok(index, 'src/io/kafka.ts not found');
  const moduleSymbol = checker.getSymbolAtLocation(index);
  assert.ok(moduleSymbol);
  const leaks: string[] = [];
  const seen = new Set<ts.Type>();
  const fromKafkajs = (s: ts.Symbol | undefined): boolean =>
    (s?.declarations ?? []).some((d) => /node_modules[\\/]kafkajs[\\/]/.test(d.getSourceFile().fileName));
  const visit = (type: ts.Type, path: string, depth: number): void => {
    if (seen.has(type) || depth > 6) return;
    seen.add(type);
    if (fromKafkajs(type.getSymbol()) || fromKafkajs(type.aliasSymbol)) {
      leaks.push(`${path}: ${checker.typeToString(type)}`);
      return;
    }
    if (type.isUnionOrIntersection()) type.types.forEach((t, i) => visit(t, `${path}|${i}`, depth + 1));
    for (const arg of checker.getTypeArguments(type as ts.TypeReference) ?? [])
      visit(arg, `${path}<>`, depth + 1);
    for (const sig of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
      sig.getParameters().forEach((p) => visit(checker.getTypeOfSymbol(p), `${path}(${p.name})`, depth + 1));
      visit(sig.getReturnType(), `${path}()`, depth + 1);
    }
    // Our own object types: their members; library types (Promise, Observable, Buffer) are opaque.
    const decl = type.getSymbol()?.declarations?.[0]?.getSourceFile().fileName ?? '';
    if (!decl.includes('node_modules'))
      for (const p of type.getProperties()) visit(checker.getTypeOfSymbol(p), `${path}.${p.name}`, depth + 1);
  };
  const exports = checker.getExportsOfModule(moduleSymbol);
  assert.ok(
    exports.some((e) => e.name === 'createKafkaSource') && exports.some((e) => e.name === 'createKafkaSink'),
  );
  for (const e of exports) {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    if (fromKafkajs(s)) leaks.push(`${e.name} is kafkajs's own`);
    if (s.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class))
      visit(checker.getDeclaredTypeOfSymbol(s), e.name, 0);
    if (s.flags & ts.SymbolFlags.Value) visit(checker.getTypeOfSymbol(s), e.name, 0);
  }
  assert.deepEqual(leaks, [], 'kafkajs types reachable from src/io/kafka.ts');
});
