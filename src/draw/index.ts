/** Drawing: colour maps, overlays, boxes and image grids (pure pixel operations). */
export * from './colormap';
export * from './resize';
export * from './overlay';
export * from './gradient';
