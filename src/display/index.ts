/** Display helpers for notebooks: Plotly figures, PNG images, HTML and Markdown. */
export * from './mime';
export * from './png';
export * from './image-file';
export * from './notebook';
