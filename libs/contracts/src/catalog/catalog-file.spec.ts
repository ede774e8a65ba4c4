import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { EVENT_TYPE_NAMES } from './catalog';
import { CatalogFileSchema } from './catalog-file';

const DIR = join(__dirname, '..', '..', '..', '..', 'catalogs');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('catalogs/*.json', () => {
  it('should hold the catalogs of the brief', () => {
    expect(files.sort()).toEqual(['cryptohopper.json', 'hostwares.json', 'paas.json']);
  });

  describe.each(files)('%s', (file) => {
    const catalog = CatalogFileSchema.parse(JSON.parse(readFileSync(join(DIR, file), 'utf8')));

    it('should name each type once, none of them a built-in type', () => {
      const names = catalog.event_types.map((t) => t.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.filter((n) => (EVENT_TYPE_NAMES as readonly string[]).includes(n))).toEqual([]);
    });

    it.each(catalog.event_types.map((t) => [t.name, t] as const))(
      'should give %s a JSON Schema its example fits, open to added fields',
      (_name, type) => {
        const validate = new Ajv2020({ strict: true, allErrors: true }).compile(type.schema);
        expect(validate(type.example) ? [] : validate.errors).toEqual([]);
        expect(validate({ ...type.example, added_later: { any: 'shape' } })).toBe(true);
      },
    );
  });

  it("should carry the brief's documented payloads as examples", () => {
    const read = (f: string) =>
      CatalogFileSchema.parse(JSON.parse(readFileSync(join(DIR, f), 'utf8'))).event_types;
    expect(read('hostwares.json').find((t) => t.name === 'deployment.completed')!.example).toEqual({
      site_id: 'cm1234abcd',
      site_name: 'my-nextjs-app',
      status: 'RUNNING',
      deployment_id: 'dep_789',
      duration_seconds: 12.5,
      commit_message: 'feat: add user profiles',
      commit_sha: 'abc1234',
      domain: 'app.example.com',
    });
    expect(read('cryptohopper.json').map((t) => t.name)).toEqual(['trade_completed']);
    expect(read('paas.json').map((t) => t.name)).toEqual([
      'APP_CREATE',
      'APP_UPDATE',
      'APP_DELETE',
      'APP_DEPLOY',
      'DATABASE_CREATE',
      'DATABASE_UPDATE',
      'DATABASE_DELETE',
      'STATIC_SITE_CREATE',
      'STATIC_SITE_UPDATE',
      'STATIC_SITE_DELETE',
      'STATIC_SITE_DEPLOY',
    ]);
  });
});
