// The one place that touches the Supercluster UMD global (static/vendor/supercluster-9.1.0, loaded by a
// classic <script defer> in index.html before the modules run). Everything else imports from here.

/** A new Supercluster index with ``options`` (see the supercluster README). */
export function createClusterIndex(options) {
  const Supercluster = globalThis.Supercluster;
  if (typeof Supercluster !== "function") {
    throw new Error("Supercluster is not loaded: index.html must include "
      + "/static/vendor/supercluster-9.1.0/supercluster.min.js before the modules");
  }
  return new Supercluster(options);
}
