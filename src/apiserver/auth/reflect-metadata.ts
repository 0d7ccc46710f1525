// @peculiar/x509 resolves its internals through tsyringe, which refuses to load unless the
// `reflect-metadata` API exists. It uses only define/get/getOwn, so this small stand-in
// (installed only when nothing else has installed the API) saves a dependency. It must be
// imported before @peculiar/x509.

type MetadataTable = Map<string | symbol | undefined, Map<unknown, unknown>>;

interface ReflectMetadataApi {
  defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void;
  getOwnMetadata(key: unknown, target: object, property?: string | symbol): unknown;
  getMetadata(key: unknown, target: object, property?: string | symbol): unknown;
}

const reflect = Reflect as typeof Reflect & Partial<ReflectMetadataApi>;

if (typeof reflect.getMetadata !== 'function') {
  const tables = new WeakMap<object, MetadataTable>();
  const entries = (target: object, property: string | symbol | undefined, create: boolean) => {
    let table = tables.get(target);
    if (!table) {
      if (!create) return undefined;
      table = new Map();
      tables.set(target, table);
    }
    let values = table.get(property);
    if (!values && create) {
      values = new Map();
      table.set(property, values);
    }
    return values;
  };
  const api: ReflectMetadataApi = {
    defineMetadata(key, value, target, property) {
      entries(target, property, true)!.set(key, value);
    },
    getOwnMetadata(key, target, property) {
      return entries(target, property, false)?.get(key);
    },
    getMetadata(key, target, property) {
      for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
        const values = entries(t, property, false);
        if (values?.has(key)) return values.get(key);
      }
      return undefined;
    },
  };
  Object.assign(reflect, api);
}
