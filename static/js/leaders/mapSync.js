// Two (or more) maps that move together: panning or zooming one sets the same centre and zoom on the others
// at once, without animation. (leaflet.sync does this for maps made with a global L; it is not an ES module.)

/**
 * Keep ``maps`` on one view. Returns a function that stops it.
 * @param {Array<L.Map>} maps
 */
export function syncMaps(maps) {
  let following = false;
  const handlers = maps.map((source) => {
    const follow = () => {
      if (following) {
        return; // a move we caused on this map: do not echo it back
      }
      following = true;
      try {
        const center = source.getCenter();
        const zoom = source.getZoom();
        for (const target of maps) {
          if (target !== source && (!target.getCenter().equals(center) || target.getZoom() !== zoom)) {
            target.setView(center, zoom, { animate: false });
          }
        }
      } finally {
        following = false;
      }
    };
    source.on("move zoomend", follow);
    return [source, follow];
  });
  return () => handlers.forEach(([map, follow]) => map.off("move zoomend", follow));
}
