// Where the outbox (outbox.js) keeps its items: IndexedDB ("chuangwei-field", stores "items" in send
// order and "results": answers to photo uploads that a later report names), or memory where IndexedDB is
// unavailable (some private modes and old in-app browsers), with the same small interface.

const DB_NAME = "chuangwei-field";
const DB_VERSION = 1;
export const ITEMS = "items";
export const RESULTS = "results";

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The outbox's two object stores in IndexedDB. */
class IdbBackend {
  constructor(db) {
    this.db = db;
    this.persistent = true;
  }

  static async open() {
    const request = globalThis.indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(ITEMS)) {
        db.createObjectStore(ITEMS, { keyPath: "id", autoIncrement: true });
      }
      if (!db.objectStoreNames.contains(RESULTS)) {
        db.createObjectStore(RESULTS, { keyPath: "id" });
      }
    };
    return new IdbBackend(await promised(request));
  }

  async run(store, mode, action) {
    const tx = this.db.transaction(store, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    const result = await promised(action(tx.objectStore(store)));
    await done;
    return result;
  }

  all(store) {
    return this.run(store, "readonly", (s) => s.getAll());
  }

  get(store, id) {
    return this.run(store, "readonly", (s) => s.get(id));
  }

  put(store, value) {
    return this.run(store, "readwrite", (s) => s.put(value));
  }

  delete(store, id) {
    return this.run(store, "readwrite", (s) => s.delete(id));
  }
}

/** Where IndexedDB is unavailable (some private modes): the same interface, lost when the page closes. */
class MemoryBackend {
  constructor() {
    this.persistent = false;
    this.stores = { [ITEMS]: new Map(), [RESULTS]: new Map() };
    this.next = 1;
  }

  async all(store) {
    return [...this.stores[store].values()].sort((a, b) => a.id - b.id);
  }

  async get(store, id) {
    return this.stores[store].get(id);
  }

  async put(store, value) {
    const id = value.id ?? this.next++;
    this.stores[store].set(id, { ...value, id });
    return id;
  }

  async delete(store, id) {
    this.stores[store].delete(id);
  }
}

/** The IndexedDB store, or the memory one when IndexedDB cannot be opened. */
export async function openOutboxStore() {
  try {
    return await IdbBackend.open();
  } catch (error) {
    console.warn("IndexedDB unavailable, the outbox lives in memory only:", error);
    return new MemoryBackend();
  }
}
