import fs from 'node:fs';
import { buildOpenApi } from '../../src/api/openapi.js';
import { routes } from '../../src/api/routes.js';
import { VERSION } from '../../src/api/version.js';

describe('the OpenAPI document', () => {
  const doc = buildOpenApi(VERSION);

  it('is OpenAPI 3.1 with every public route of the contract and its permission', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const def of Object.values(routes)) {
      if ('testOnly' in def && def.testOnly) continue;
      const op = doc.paths[def.path.replace(/:(\w+)/g, '{$1}')]?.[def.method.toLowerCase()];
      expect([def.path, op?.['x-permission']]).toEqual([def.path, def.access]);
    }
  });

  it('is committed up to date in docs/openapi.json (run: npm run openapi)', () => {
    const committed = JSON.parse(
      fs.readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
