/**
 * Cleanup of the gradient tape when a computation under `tf.grad` throws.
 *
 * tfjs keeps a copy of every tensor an op saves for its backward pass on the active tape, and
 * frees them only after a successful backward pass; when the function under `tf.grad` throws (a
 * target that fails on real scores, say), the next `tf.grad` starts a new tape and those copies are
 * stranded. This wrapper frees them, and only when it runs outside any caller's tape.
 */
import * as tf from '@tensorflow/tfjs';

/** Runs `compute` (which calls `tf.grad`/`tf.valueAndGrad`); on an exception, frees the stranded tape. */
export function withTapeCleanup<T>(compute: () => T): T {
  const engine = tf.engine();
  const outermost = engine.state.gradientDepth === 0;
  try {
    return compute();
  } catch (error) {
    const tape = engine.state.activeTape;
    if (outermost && engine.state.gradientDepth === 0 && tape != null) {
      for (const node of tape) for (const tensor of node.saved ?? []) tensor.dispose();
      engine.state.activeTape = [];
    }
    throw error;
  }
}
