// One canvas renderer shared by every vector layer and point layer, so hit-testing (clicks, hover)
// always finds the topmost feature across layers. Leaflet's Canvas draws paths in insertion order;
// this subclass inserts each path by its `drawRank` option instead, so features that load late (a
// tile of buildings after the points) still draw beneath higher-ranked layers.
// Clicks and hovers go to the feature under the pointer with the highest `hitRank` option (default:
// its drawRank), so a layer can draw on top yet yield clicks (grid outlines running along roads).
// Relies on Canvas internals of the vendored Leaflet 1.9.4 (_initPath/_removePath/_onClick/
// _handleMouseHover and the _drawFirst/_drawLast linked list).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";

const rankOf = (layer) => layer.options.drawRank ?? 0;
const hitRankOf = (layer) => layer.options.hitRank ?? rankOf(layer);

export const OrderedCanvas = L.Canvas.extend({
  _initPath(layer) {
    this._updateDashArray(layer);
    this._layers[L.stamp(layer)] = layer;
    if (!this._tails) {
      this._tails = new Map(); // rank -> last node of that rank in the draw list
    }
    const rank = rankOf(layer);
    // The node to insert after: the tail of the highest rank not above ours.
    let after = null;
    let afterRank = -Infinity;
    for (const [r, node] of this._tails) {
      if (r <= rank && r > afterRank) {
        afterRank = r;
        after = node;
      }
    }
    const node = { layer, prev: after, next: after ? after.next : this._drawFirst };
    if (node.prev) {
      node.prev.next = node;
    } else {
      this._drawFirst = node;
    }
    if (node.next) {
      node.next.prev = node;
    } else {
      this._drawLast = node;
    }
    layer._order = node;
    this._tails.set(rank, node);
  },

  _removePath(layer) {
    const node = layer._order;
    const rank = rankOf(layer);
    if (this._tails && this._tails.get(rank) === node) {
      if (node.prev && rankOf(node.prev.layer) === rank) {
        this._tails.set(rank, node.prev);
      } else {
        this._tails.delete(rank);
      }
    }
    L.Canvas.prototype._removePath.call(this, layer);
  },

  /** The interactive feature at ``point`` with the highest hit rank (the later-drawn one on ties). */
  _hitAt(point, filter = () => true) {
    let best = null;
    let bestRank = -Infinity;
    for (let node = this._drawFirst; node; node = node.next) {
      const layer = node.layer;
      if (layer.options.interactive && layer._containsPoint(point) && filter(layer)) {
        const rank = hitRankOf(layer);
        if (rank >= bestRank) {
          best = layer;
          bestRank = rank;
        }
      }
    }
    return best;
  },

  _onClick(e) {
    const point = this._map.mouseEventToLayerPoint(e);
    const dragged = (layer) => (e.type === "click" || e.type === "preclick") && this._map._draggableMoved(layer);
    const clicked = this._hitAt(point, (layer) => !dragged(layer));
    this._fireEvent(clicked ? [clicked] : false, e);
  },

  _handleMouseHover(e, point) {
    if (this._mouseHoverThrottled) {
      return;
    }
    const candidate = this._hitAt(point);
    if (candidate !== this._hoveredLayer) {
      this._handleMouseOut(e);
      if (candidate) {
        L.DomUtil.addClass(this._container, "leaflet-interactive");
        this._fireEvent([candidate], e, "mouseover");
        this._hoveredLayer = candidate;
      }
    }
    this._fireEvent(this._hoveredLayer ? [this._hoveredLayer] : false, e);
    this._mouseHoverThrottled = true;
    setTimeout(() => {
      this._mouseHoverThrottled = false;
    }, 32);
  },

  // Re-ranking is not supported; keep Path.bringToFront/Back from breaking the rank invariant.
  _bringToFront() {},
  _bringToBack() {},
});

/** The shared renderer; ``tolerance`` widens the click target (use more on touch screens). */
export function orderedCanvas(options) {
  return new OrderedCanvas(options);
}
