/**
 * Names shared by the kernel side and the page side of the widgets. The page bundle is wrapped in
 * `globalThis.wsolLabBoot = function () { … }; globalThis.wsolLabBoot();`, so a page can start a
 * Web Worker from the bundle's own source text (`String(wsolLabBoot)`), with no file or network.
 */

/** The global holding the bundle as a function (its source text starts the workers). */
export const PAGE_BOOT_GLOBAL = 'wsolLabBoot';
/** The global the bundle installs in a page: `{ mount(root, payload) }`. */
export const PAGE_API_GLOBAL = 'wsolLab';
/** Widgets whose output rendered before the bundle did wait here: `[root, payload][]`. */
export const PAGE_PENDING_GLOBAL = 'wsolLabPending';
