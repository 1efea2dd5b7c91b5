/** Plotly figures: heatmaps, image grids, bars, lines and parameter sweeps (plain JSON). */
export * from './figures';
