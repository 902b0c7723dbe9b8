import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { CONFLICT_ACTIONS, POLICY_FIELDS, POLICY_MODES, POLICY_VERSION, REBUILDER_TYPES } from '../../../src/policy/index.js';

interface SchemaObject {
  properties?: Record<string, SchemaObject & { enum?: string[]; const?: unknown }>;
  $defs?: Record<string, SchemaObject>;
  $schema?: string;
}

// The JSON Schema shipped for editors must describe the same fields the parser accepts.
const schema = JSON.parse(readFileSync('schema/policy.schema.json', 'utf8')) as SchemaObject;
const defs = schema.$defs ?? {};

/** Where each parser field list lives in the schema. */
const OBJECTS: Record<keyof typeof POLICY_FIELDS, SchemaObject | undefined> = {
  policy: schema,
  rebuilder: defs['rebuilder'],
  rule: defs['rule'],
  match: defs['match'],
  exempt: defs['exempt'],
  trustRoot: defs['trustRoot'],
};

describe('schema/policy.schema.json', () => {
  it('is draft 2020-12', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it.each(Object.keys(OBJECTS) as (keyof typeof POLICY_FIELDS)[])('lists the parser\'s fields for %s', (name) => {
    expect(Object.keys(OBJECTS[name]?.properties ?? {}).sort()).toEqual([...POLICY_FIELDS[name]].sort());
  });

  it('has no object definition the parser does not know', () => {
    const withProperties = Object.entries(defs).filter(([, def]) => def.properties !== undefined).map(([name]) => name);
    expect(withProperties.sort()).toEqual(Object.keys(OBJECTS).filter((name) => name !== 'policy').sort());
  });

  it('allows the same values as the parser', () => {
    const top = schema.properties ?? {};
    expect(top['version']?.const).toBe(POLICY_VERSION);
    expect(top['mode']?.enum).toEqual([...POLICY_MODES]);
    expect(top['on-conflict']?.enum).toEqual([...CONFLICT_ACTIONS]);
    expect(defs['rebuilder']?.properties?.['type']?.enum).toEqual([...REBUILDER_TYPES]);
  });
});
