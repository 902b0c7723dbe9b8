/**
 * The in-toto v0.9 link (`signed` of a Metablock, or the payload of a DSSE
 * envelope from in-toto 2.x). Exactly the seven fields the spec defines;
 * `environment` may be `null`, because rebuilderd (in-toto-rs) writes it so.
 */
import type { JsonObject, JsonValue } from '../json.js';
import { expectArtifacts, expectFields, expectObject, expectString, expectStringArray, fail, type ArtifactMap } from './fields.js';

export interface Link {
  readonly name: string;
  readonly command: readonly string[];
  readonly materials: ArtifactMap;
  readonly products: ArtifactMap;
  readonly byproducts: JsonObject;
  readonly environment: JsonObject | null;
}

export const LINK_FIELDS = ['_type', 'name', 'command', 'materials', 'products', 'byproducts', 'environment'] as const;

export function parseLink(v: JsonValue): Link {
  const obj = expectObject(v, 'link');
  if (obj['_type'] !== 'link') fail('METADATA_TYPE', `expected _type "link", got ${JSON.stringify(obj['_type'])}`);
  expectFields(obj, 'link', LINK_FIELDS);
  const environment = obj['environment'] === null ? null : expectObject(obj['environment'], 'link.environment');
  return {
    name: expectString(obj['name'], 'link.name'),
    command: expectStringArray(obj['command'], 'link.command'),
    materials: expectArtifacts(obj['materials'], 'link.materials'),
    products: expectArtifacts(obj['products'], 'link.products'),
    byproducts: expectObject(obj['byproducts'], 'link.byproducts'),
    environment,
  };
}
