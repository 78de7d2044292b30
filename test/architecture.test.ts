/**
 * The shape of src/, checked: a feature is used only through its front door (index.ts), routes
 * never reach the database, infrastructure never depends on a feature, and nothing imports in a
 * circle. Read from the source text, so it runs in milliseconds and needs no build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/** Anyone may import these; they import no feature. `deps.ts` is the list of what services get. */
const INFRASTRUCTURE = new Set(['shared', 'db', 'http']);
const INFRASTRUCTURE_FILES = new Set(['deps.ts']);

/**
 * Cross-feature imports that skip a front door, each with the reason. Keep it tiny.
 * `from` → `to`, both relative to src/.
 */
const ALLOWED: { from: string; to: string; why: string }[] = [
  {
    from: 'participants/participant.repo.ts',
    to: 'rewards/lifecycle.core.ts',
    why: 'the participant stats count rewards by the named status set countsTowardTier; rewards depends on participants, so rewards/index.ts would close a cycle, and lifecycle.core.ts is pure (imports only shared/)',
  },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const IMPORT_PATTERNS = [
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Every module a file names (static, re-export, side-effect and dynamic imports; types too). */
function specifiersOf(text: string): string[] {
  return IMPORT_PATTERNS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] ?? ''));
}

interface SourceFile {
  /** Relative to src/, with forward slashes. */
  path: string;
  text: string;
  /** Relative imports, resolved to paths relative to src/. */
  imports: string[];
  /** The relative imports that are `import type`: erased when compiled. */
  typeOnly: Set<string>;
  /** Package imports (`drizzle-orm`, `zod`, ...). */
  packages: string[];
}

const TYPE_IMPORT = /(?:^|\n)\s*(?:import|export)\s+type\s[^'"`;]*?\sfrom\s*['"](\.[^'"]+)['"]/g;

const toPosix = (path: string) => path.split(sep).join('/');

const files: SourceFile[] = sourceFiles(SRC).map((absolute) => {
  const text = readFileSync(absolute, 'utf8');
  const specifiers = specifiersOf(text);
  const resolve = (spec: string) =>
    toPosix(relative(SRC, normalize(join(dirname(absolute), spec)))).replace(/\.js$/, '.ts');
  return {
    path: toPosix(relative(SRC, absolute)),
    text,
    imports: specifiers.filter((spec) => spec.startsWith('.')).map(resolve),
    typeOnly: new Set([...text.matchAll(TYPE_IMPORT)].map((match) => resolve(match[1] ?? ''))),
    packages: specifiers.filter((spec) => !spec.startsWith('.')),
  };
});
const byPath = new Map(files.map((file) => [file.path, file]));

/** The feature folder a file is in; undefined for the composition root (src/*.ts). */
const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0] : undefined);
const isInfrastructure = (path: string) => INFRASTRUCTURE_FILES.has(path) || INFRASTRUCTURE.has(folderOf(path) ?? '');
const isFeature = (path: string) => folderOf(path) !== undefined && !isInfrastructure(path);
const frontDoorOf = (path: string) => `${folderOf(path)}/index.ts`;

/** Packages that reach the database, the network, the file system or HTTP. */
const IMPURE_PACKAGE =
  /^(drizzle-orm|pg|@electric-sql\/|fastify|@fastify\/|nodemailer|prom-client|pino|node:(fs|net|http|https|child_process))/;

/**
 * A pure module of the functional core: `*.core.ts`, `*.types.ts`, an eligibility `*.check.ts`, or
 * a `*.schema.ts` contract, that imports only shared/, other pure modules and packages that do no
 * I/O. (Contracts compose: one feature's response embeds another's, and the web app reads them, so
 * going through an index.ts would drag services and routes into the browser's type graph.)
 */
function isPure(path: string, seen = new Set<string>()): boolean {
  if (seen.has(path)) return true;
  seen.add(path);
  const file = byPath.get(path);
  if (!file || !/\.(core|types|check|schema)\.ts$/.test(path)) return false;
  return (
    file.packages.every((name) => !IMPURE_PACKAGE.test(name)) &&
    file.imports.every(
      (target) =>
        folderOf(target) === 'shared' ||
        // A type from db/ (a JSON column's shape) is erased when compiled.
        (folderOf(target) === 'db' && file.typeOnly.has(target)) ||
        isPure(target, seen),
    )
  );
}

describe('architecture', () => {
  it('reads the source tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((file) => file.path.endsWith('/index.ts')).length).toBeGreaterThanOrEqual(15);
  });

  it('uses another feature only through its index.ts', () => {
    // One rule beside the front doors: a pure module may use another feature's pure modules
    // directly (the functional core is one layer; through an index.ts it would pull in that
    // feature's services and routes, and stop being pure).
    const offending = files.flatMap((file) =>
      file.imports
        .filter((target) => isFeature(target) && folderOf(target) !== folderOf(file.path))
        .filter((target) => target !== frontDoorOf(target))
        .filter((target) => !((isPure(file.path) || folderOf(file.path) === 'db') && isPure(target)))
        .filter((target) => !ALLOWED.some((allowed) => allowed.from === file.path && allowed.to === target))
        .map((target) => `${file.path} → ${target} (use ${frontDoorOf(target)})`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps every allowed exception in use and pointing at a pure module', () => {
    for (const allowed of ALLOWED) {
      expect(byPath.get(allowed.from)?.imports, allowed.from).toContain(allowed.to);
      expect(isPure(allowed.to), allowed.to).toBe(true);
    }
  });

  it('gives every feature folder a front door', () => {
    const folders = new Set(files.filter((file) => isFeature(file.path)).map((file) => folderOf(file.path)));
    const missing = [...folders].filter((folder) => !byPath.has(`${folder}/index.ts`));
    expect(missing).toEqual([]);
  });

  it('keeps shared/, db/ and http/ free of features (db/ may read pure core constants)', () => {
    const offending = files
      .filter((file) => isInfrastructure(file.path))
      .flatMap((file) =>
        file.imports
          .filter((target) => !isInfrastructure(target))
          .filter((target) => !(folderOf(file.path) === 'db' && isPure(target)))
          .map((target) => `${file.path} → ${target}`),
      );
    expect(offending).toEqual([]);
  });

  it('lets no feature import the composition root (only deps.ts)', () => {
    const offending = files
      .filter((file) => folderOf(file.path) !== undefined)
      .flatMap((file) =>
        file.imports
          .filter((target) => folderOf(target) === undefined && !INFRASTRUCTURE_FILES.has(target))
          .map((target) => `${file.path} → ${target}`),
      );
    expect(offending).toEqual([]);
  });

  it('lets the web app import only pure server modules (its bundle never pulls in the server)', () => {
    const web = join(import.meta.dirname, '..', 'web', 'src');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return walk(path);
        return /\.tsx?$/.test(entry.name) ? [path] : [];
      });
    const imported = new Set(
      walk(web).flatMap((absolute) =>
        specifiersOf(readFileSync(absolute, 'utf8'))
          .filter((spec) => spec.startsWith('.'))
          .map((spec) => toPosix(relative(SRC, normalize(join(dirname(absolute), spec)))).replace(/\.js$/, '.ts'))
          .filter((path) => !path.startsWith('..')),
      ),
    );
    expect(imported.size).toBeGreaterThan(0);
    const impure = [...imported].filter((path) => folderOf(path) !== 'shared' && !isPure(path));
    expect(impure).toEqual([]);
  });

  it('keeps the database out of route files: no db/, no drizzle-orm, no deps.db', () => {
    const offending = files
      .filter((file) => file.path.endsWith('.routes.ts'))
      .flatMap((file) => [
        ...file.imports.filter((target) => folderOf(target) === 'db').map((target) => `${file.path} → ${target}`),
        ...file.packages.filter((name) => name.startsWith('drizzle-orm')).map((name) => `${file.path} → ${name}`),
        ...(/\bdeps\.db\b/.test(file.text) ? [`${file.path} calls deps.db`] : []),
      ]);
    expect(offending).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (path: string) => {
      state.set(path, 'visiting');
      stack.push(path);
      for (const target of byPath.get(path)?.imports ?? []) {
        if (!byPath.has(target)) continue;
        if (state.get(target) === 'visiting') cycles.push([...stack.slice(stack.indexOf(target)), target].join(' → '));
        else if (!state.has(target)) visit(target);
      }
      stack.pop();
      state.set(path, 'done');
    };
    for (const file of files) if (!state.has(file.path)) visit(file.path);
    expect(cycles).toEqual([]);
  });

  it('has no cycle between features through their front doors', () => {
    // Feature A depends on B when a file of A imports B's index.ts (the named exceptions above
    // import pure modules, which depend on nothing, so they are left out).
    const edges = new Map<string, Set<string>>();
    for (const file of files) {
      const from = folderOf(file.path);
      if (!from || !isFeature(file.path)) continue;
      for (const target of file.imports) {
        if (!isFeature(target) || folderOf(target) === from || target !== frontDoorOf(target)) continue;
        const to = folderOf(target) as string;
        edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (feature: string) => {
      state.set(feature, 'visiting');
      stack.push(feature);
      for (const next of edges.get(feature) ?? []) {
        if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(feature, 'done');
    };
    for (const feature of edges.keys()) if (!state.has(feature)) visit(feature);
    expect(cycles).toEqual([]);
  });
});
